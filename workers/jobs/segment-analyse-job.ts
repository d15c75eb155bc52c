/**
 * segment.analyse: decode and detect one segment of a planned flight (analyseSegment, the stage
 * `gridwatch run` runs per segment) and store the observations. A segment already stored is not
 * analysed again, and a racing duplicate's insert is ignored, so a retry changes nothing.
 */
import { PermanentJobError } from '../../common/errors.js';
import { analyseSegment } from '../../pipeline/analyse-segment.js';
import type { VideoPlan } from '../../pipeline/pipeline-types.js';
import type { JobHandler } from '../job-registry.js';
import { classify, type JobDeps } from './job-deps.js';
import { failFlight, reportFlightProgress } from './flight-status.js';
import { PLANNED_PROGRESS } from './flight-ingest-job.js';

/** Share of a flight's progress the segments account for, after planning. */
const SEGMENTS_PROGRESS = 0.85;

/** The stored plan, pointing at the video where this machine finds it. */
export async function flightPlan(deps: JobDeps, flightId: string): Promise<VideoPlan> {
  const plan = await deps.runs.findPlan(flightId);
  if (!plan) throw new PermanentJobError(`flight ${flightId} has no stored plan (was it ingested?)`);
  const { video } = await deps.flights.files(flightId).catch((err: unknown) => {
    throw classify(err, 'flight');
  });
  return { ...plan, video };
}

export function segmentAnalyseJob(deps: JobDeps): JobHandler<'segment.analyse'> {
  return {
    async run({ flightId, segmentIndex }, job) {
      if (await deps.runs.hasSegment(flightId, segmentIndex)) return { skipped: 'stored' };
      const flight = await deps.flights.get(flightId).catch((err: unknown) => {
        throw classify(err, 'flight');
      });
      // Another segment failed the flight: its remaining segments are not worth decoding.
      if (flight.status !== 'processing') return { skipped: flight.status };
      const plan = await flightPlan(deps, flightId);
      const segment = plan.segments.find((s) => s.index === segmentIndex);
      if (!segment) throw new PermanentJobError(`flight ${flightId} has no segment ${segmentIndex}`);

      const models = await deps.models.forSource(plan.source);
      let analysis;
      try {
        analysis = await analyseSegment(
          { plan, segment },
          { ...models, logger: deps.logger, signal: job.signal },
        );
      } catch (err) {
        throw classify(err, `segment ${segmentIndex} of the flight video cannot be analysed`);
      }
      await deps.runs.saveSegment(flightId, segmentIndex, analysis);
      const done = await deps.runs.countSegments(flightId);
      await reportFlightProgress(
        deps.flights,
        flightId,
        PLANNED_PROGRESS + (SEGMENTS_PROGRESS * done) / plan.segments.length,
      );
      return { observations: analysis.observations.length };
    },
    async onFailed({ flightId }, error) {
      await failFlight(deps.flights, flightId, error);
    },
  };
}
