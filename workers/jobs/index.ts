/** Every job's handler, built from one set of dependencies. */
import type { JobHandlers } from '../job-registry.js';
import { dispatchDeliverJob } from './dispatch-deliver-job.js';
import { evidenceRenderJob } from './evidence-render-job.js';
import { flightAggregateJob } from './flight-aggregate-job.js';
import { flightIngestJob } from './flight-ingest-job.js';
import type { JobDeps } from './job-deps.js';
import { segmentAnalyseJob } from './segment-analyse-job.js';

export type { JobDeps, FlightAnalysisDefaults } from './job-deps.js';

export function createJobHandlers(deps: JobDeps): JobHandlers {
  return {
    'flight.ingest': flightIngestJob(deps),
    'segment.analyse': segmentAnalyseJob(deps),
    'flight.aggregate': flightAggregateJob(deps),
    'evidence.render': evidenceRenderJob(deps),
    'dispatch.deliver': dispatchDeliverJob(deps),
  };
}
