/**
 * flight.aggregate (the flow's parent): every segment stored, merge their observations through
 * one violation engine (aggregateObservations, as `gridwatch run` does), upsert each violation's
 * case from its newest event, queue its evidence, and mark the flight done.
 *
 * Repeatable: the engine is deterministic over the stored observations, cases are upserted by
 * violation id, evidence jobs have deterministic ids, and a done flight is left alone.
 */
import { aggregateObservations } from '../../pipeline/aggregate-observations.js';
import { newestPerViolation, toCaseInput } from '../../pipeline/case-input.js';
import type { JobHandler } from '../job-registry.js';
import { classify, type JobDeps } from './job-deps.js';
import { failFlight } from './flight-status.js';
import { flightPlan } from './segment-analyse-job.js';

export function flightAggregateJob(deps: JobDeps): JobHandler<'flight.aggregate'> {
  return {
    async run({ flightId }) {
      const flight = await deps.flights.get(flightId).catch((err: unknown) => {
        throw classify(err, 'flight');
      });
      if (flight.status !== 'processing') return { skipped: flight.status };
      const plan = await flightPlan(deps, flightId);
      const analyses = await deps.runs.listSegments(flightId);
      if (analyses.length !== plan.segments.length) {
        // Children complete before their parent runs, so this is a store that lags: retry.
        throw new Error(`flight ${flightId}: ${analyses.length} of ${plan.segments.length} segments stored`);
      }
      let aggregated;
      try {
        aggregated = await aggregateObservations(
          {
            source: plan.source,
            analyses,
            endOfStream: true,
            video: plan.video,
            ...(analyses[0] ? { models: analyses[0].models } : {}),
          },
          { logger: deps.logger },
        );
      } catch (err) {
        throw classify(err, 'the flight cannot be aggregated');
      }
      const newest = newestPerViolation(aggregated.events);
      let created = 0;
      for (const event of newest) {
        const r = await deps.cases.upsertFromViolation(toCaseInput(event, plan.source));
        if (r.created) created++;
        await deps.jobs.enqueue('evidence.render', {
          flightId,
          caseId: r.case.id,
          stamp: Date.parse(event.lastSeenAt),
          violation: event.violation as unknown as { id: string; type: string; evidence: object },
        });
      }
      await deps.flights.markDone(flightId);
      return { violations: newest.length, created };
    },
    async onFailed({ flightId }, error) {
      await failFlight(deps.flights, flightId, error);
    },
  };
}
