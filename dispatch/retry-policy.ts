/**
 * When a failed webhook delivery is tried again: exponential backoff with jitter, capped per
 * step, for up to a day from the start of the schedule; after that the delivery is dead-lettered.
 */

export interface RetryPolicy {
  /** Attempts in one schedule, the first included. */
  maxAttempts: number;
  /** Delay after the first failure, doubled after each further one. */
  baseDelayMs: number;
  /** Longest single delay. */
  maxDelayMs: number;
  /** No attempt is scheduled later than this after the schedule started. */
  maxScheduleMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 30,
  baseDelayMs: 30_000,
  maxDelayMs: 3 * 3600_000,
  maxScheduleMs: 24 * 3600_000,
};

/**
 * The time of the next attempt after `attempts` failed ones, or null when the delivery is dead.
 * The delay is drawn from [d/2, d] (d the capped exponential step) so that receivers coming back
 * from an outage are not hit by every pending delivery at the same instant.
 */
export function nextAttemptAt(
  policy: RetryPolicy,
  attempts: number,
  scheduleStartedAt: Date,
  now: Date,
  random: () => number = Math.random,
): Date | null {
  if (attempts >= policy.maxAttempts) return null;
  const deadline = scheduleStartedAt.getTime() + policy.maxScheduleMs;
  if (now.getTime() >= deadline) return null;
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempts - 1));
  const delay = step / 2 + Math.min(1, Math.max(0, random())) * (step / 2);
  return new Date(Math.min(deadline, now.getTime() + delay));
}
