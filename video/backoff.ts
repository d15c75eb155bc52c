/**
 * Reconnect delays: exponential so a dead camera is not hammered, capped so a recovered one is
 * picked up within a bounded time, and jittered so many cameras behind one gateway that failed
 * together do not retry in lock-step.
 */
import { InvalidInputError } from '../common/errors.js';

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor: number;
  /** ±fraction of the delay drawn at random, 0 to 1. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.25 };

export function validateBackoff(o: BackoffOptions): BackoffOptions {
  const ok = o.initialMs > 0 && o.maxMs >= o.initialMs && o.factor >= 1 && o.jitter >= 0 && o.jitter <= 1;
  if (!ok || ![o.initialMs, o.maxMs, o.factor, o.jitter].every(Number.isFinite)) {
    throw new InvalidInputError(
      `invalid backoff: need 0 < initialMs ≤ maxMs, factor ≥ 1, 0 ≤ jitter ≤ 1 (got ${JSON.stringify(o)})`,
    );
  }
  return o;
}

/** Delay before retry number `attempt` (0 for the first retry). */
export function backoffDelayMs(
  attempt: number,
  o: BackoffOptions,
  random: () => number = Math.random,
): number {
  const base = Math.min(o.maxMs, o.initialMs * o.factor ** Math.max(0, attempt));
  const jittered = base * (1 - o.jitter + 2 * o.jitter * random());
  return Math.round(Math.min(o.maxMs, Math.max(0, jittered)));
}
