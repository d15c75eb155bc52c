/**
 * Checks a stored source against the violation pipeline's own configuration parser, so the API
 * refuses zones and rules the engine could not run. The API-only fields (stream URL, enabled
 * flag, address) are not the pipeline's business and are left out of what it sees.
 */
import { parseSourceConfig } from '../violations/config/source-config.js';
import type { SourceConfig, SourceValidator } from './source-service.js';

const PIPELINE_FIELDS = [
  'id',
  'name',
  'kind',
  'timezone',
  'position',
  'calibration',
  'zones',
  'rules',
] as const;

export const validateWithPipeline: SourceValidator = (config: SourceConfig) => {
  const part = Object.fromEntries(
    PIPELINE_FIELDS.filter((f) => config[f] !== undefined).map((f) => [f, config[f]]),
  );
  parseSourceConfig(part, `for source '${config.id}'`);
};
