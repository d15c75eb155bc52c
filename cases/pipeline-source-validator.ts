/**
 * Checks a stored source against the violation pipeline's own configuration parser, so the API
 * refuses zones and rules the engine could not run. The API-only fields (stream URL, enabled
 * flag, address) are not the pipeline's business and are left out of what it sees.
 */
import {
  parseSourceConfig,
  type SourceConfig as PipelineSourceConfig,
} from '../violations/config/source-config.js';
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

/** The pipeline's view of a stored source (camera workers run it); throws InvalidInputError. */
export function toPipelineSource(config: SourceConfig): PipelineSourceConfig {
  const part = Object.fromEntries(
    PIPELINE_FIELDS.filter((f) => config[f] !== undefined).map((f) => [f, config[f]]),
  );
  return parseSourceConfig(part, `for source '${config.id}'`);
}

export const validateWithPipeline: SourceValidator = (config: SourceConfig) => {
  toPipelineSource(config);
};
