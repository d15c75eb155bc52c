/** What the job handlers are given: services and pipeline functions, never a queue client. */
import type { CaseService } from '../../cases/case-service.js';
import type { SourceService } from '../../cases/source-service.js';
import { GridwatchError, PermanentJobError } from '../../common/errors.js';
import type { DispatchService } from '../../dispatch/dispatch-service.js';
import type { EvidenceService } from '../../evidence/evidence-service.js';
import type { FlightService } from '../../flights/flight-service.js';
import type { PipelineModels } from '../../pipeline/load-pipeline-models.js';
import type { PipelineLogger } from '../../pipeline/pipeline-types.js';
import type { FlightRunRepository } from '../../repositories/database-flight-runs.js';
import type { JobScheduler } from '../job-registry.js';

/** Analysis settings a flight gets unless its metadata.analysis says otherwise. */
export interface FlightAnalysisDefaults {
  sampleFps?: number;
  /** Target segment length (default 300 s): the unit of parallel work. */
  segmentSeconds?: number;
  maxWidth?: number;
}

export interface JobDeps {
  flights: FlightService;
  sources: Pick<SourceService, 'get'>;
  cases: Pick<CaseService, 'upsertFromViolation'>;
  evidence: Pick<EvidenceService, 'renderForViolation'>;
  dispatch: Pick<DispatchService, 'deliverOne'>;
  runs: FlightRunRepository;
  models: Pick<PipelineModels, 'forSource'>;
  jobs: JobScheduler;
  logger: PipelineLogger;
  analysis?: FlightAnalysisDefaults | undefined;
  clock?: () => number;
}

/** Error codes that mean the input itself is bad: retrying cannot help. */
const PERMANENT_CODES = new Set(['MEDIA_INVALID', 'INVALID_INPUT', 'NOT_FOUND', 'UNSUPPORTED_MEDIA_TYPE']);

/** Bad media, bad configuration, something deleted: a PermanentJobError; anything else as it is (retried). */
export function classify(err: unknown, context: string): unknown {
  if (err instanceof PermanentJobError) return err;
  if (err instanceof GridwatchError && PERMANENT_CODES.has(err.code)) {
    return new PermanentJobError(`${context}: ${err.message}`, { cause: err });
  }
  return err;
}
