/**
 * dispatch.deliver: one webhook delivery attempt (DispatchService.deliverOne, which claims the
 * delivery with a row lock, so the API's embedded poller and the workers never send it twice at
 * once). A failed attempt that the retry policy schedules again becomes a delayed job for the
 * next attempt number, so each attempt has its own deterministic id.
 */
import type { JobHandler } from '../job-registry.js';
import { classify, type JobDeps } from './job-deps.js';

export function dispatchDeliverJob(deps: JobDeps): JobHandler<'dispatch.deliver'> {
  const now = deps.clock ?? Date.now;
  return {
    async run({ deliveryId, attempt }) {
      const outcome = await deps.dispatch.deliverOne(deliveryId).catch((err: unknown) => {
        throw classify(err, 'delivery');
      });
      if (outcome.result === 'retry' && outcome.nextAttemptAt) {
        await deps.jobs.enqueue(
          'dispatch.deliver',
          { deliveryId, attempt: attempt + 1 },
          { delayMs: Math.max(0, outcome.nextAttemptAt.getTime() - now()) },
        );
      }
      return { result: outcome.result, statusCode: outcome.statusCode };
    },
  };
}
