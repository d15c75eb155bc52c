/**
 * flight.ingest: look at an uploaded flight once — probe, telemetry, wall clock, segments
 * (planVideo, the same stage `gridwatch run` starts with) — store the plan, and hand the segments
 * to the segment queue as children of one flight.aggregate parent.
 *
 * Repeatable: a flight already done or failed is left alone; a stored plan is reused, so a retry
 * after a crash adds the very same flow (same ids), which BullMQ ignores.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { toPipelineSource } from '../../cases/pipeline-source-validator.js';
import { PermanentJobError } from '../../common/errors.js';
import { planVideo, type PlanVideoInput } from '../../pipeline/plan-video.js';
import type { VideoPlan } from '../../pipeline/pipeline-types.js';
import type { SourceConfig } from '../../violations/config/source-config.js';
import type { JobHandler } from '../job-registry.js';
import { classify, type FlightAnalysisDefaults, type JobDeps } from './job-deps.js';
import { failFlight, reportFlightProgress } from './flight-status.js';

/** `metadata.analysis` of an upload: how this flight is to be analysed. */
export const FlightAnalysisSchema = Type.Object(
  {
    /** Wall clock of the video start (ISO, or local time in the source's zone); default telemetry, else file time. */
    startWallClock: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Number()])),
    sampleFps: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 60 })),
    segmentSeconds: Type.Optional(Type.Number({ minimum: 1, maximum: 3600 })),
    maxWidth: Type.Optional(Type.Integer({ minimum: 64, maximum: 8192 })),
  },
  { additionalProperties: false },
);
export type FlightAnalysis = Static<typeof FlightAnalysisSchema>;

/** Progress once the plan is stored; segments take it from here to 0.9, aggregation to 1. */
export const PLANNED_PROGRESS = 0.05;

function analysisOptions(
  metadata: Record<string, unknown>,
  defaults: FlightAnalysisDefaults | undefined,
): Partial<PlanVideoInput> {
  const raw = metadata.analysis ?? {};
  if (!Value.Check(FlightAnalysisSchema, raw)) {
    const first = Value.Errors(FlightAnalysisSchema, raw).First();
    throw new PermanentJobError(
      `the flight's metadata.analysis is invalid${first ? ` at ${first.path || '/'}: ${first.message}` : ''}`,
    );
  }
  const a = { ...defaults, ...raw };
  return {
    ...(a.startWallClock !== undefined ? { startWallClock: a.startWallClock } : {}),
    ...(a.sampleFps !== undefined ? { sampleFps: a.sampleFps } : {}),
    ...(a.segmentSeconds !== undefined ? { segmentSeconds: a.segmentSeconds } : {}),
    ...(a.maxWidth !== undefined ? { maxWidth: a.maxWidth } : {}),
  };
}

/** The pipeline configuration of the flight's source. */
export async function flightSource(deps: JobDeps, sourceId: string | null): Promise<SourceConfig> {
  if (sourceId === null) {
    throw new PermanentJobError(
      'the flight names no source (sourceId), so there are no zones or rules to apply; upload it again with one',
    );
  }
  try {
    return toPipelineSource((await deps.sources.get(sourceId)).config as { id: string });
  } catch (err) {
    throw classify(err, `source '${sourceId}'`);
  }
}

export function flightIngestJob(deps: JobDeps): JobHandler<'flight.ingest'> {
  return {
    async run({ flightId }) {
      const flight = await deps.flights.get(flightId).catch((err: unknown) => {
        throw classify(err, 'flight');
      });
      if (flight.status === 'done' || flight.status === 'failed') return { skipped: flight.status };
      if (flight.status === 'queued') await deps.flights.markProcessing(flightId);

      let plan: VideoPlan | undefined = await deps.runs.findPlan(flightId);
      if (!plan) {
        const source = await flightSource(deps, flight.sourceId);
        const files = await deps.flights.files(flightId);
        try {
          plan = await planVideo(
            {
              video: files.video,
              source,
              ...(files.srt ? { srt: files.srt } : {}),
              ...analysisOptions(flight.metadata, deps.analysis),
            },
            { logger: deps.logger },
          );
        } catch (err) {
          throw classify(err, 'the flight video cannot be analysed');
        }
        plan = await deps.runs.savePlan(flightId, plan);
      }
      await reportFlightProgress(deps.flights, flightId, PLANNED_PROGRESS);
      await deps.jobs.addFlow(
        { name: 'flight.aggregate', payload: { flightId } },
        plan.segments.map((s) => ({
          name: 'segment.analyse' as const,
          payload: { flightId, segmentIndex: s.index },
        })),
        // A flight put back in the queue after failing runs its flow again (stored segments are kept).
        { replaceFinished: true },
      );
      return { segments: plan.segments.length };
    },
    async onFailed({ flightId }, error) {
      await failFlight(deps.flights, flightId, error);
    },
  };
}
