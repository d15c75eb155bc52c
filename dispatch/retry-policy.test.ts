import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY, nextAttemptAt } from './retry-policy.js';

const start = new Date('2026-03-01T00:00:00Z');
const at = (ms: number) => new Date(start.getTime() + ms);

describe('retry schedule', () => {
  it('doubles the delay after each failure, capped, with jitter in [d/2, d]', () => {
    const p = DEFAULT_RETRY_POLICY;
    expect(nextAttemptAt(p, 1, start, start, () => 1)).toEqual(at(30_000));
    expect(nextAttemptAt(p, 1, start, start, () => 0)).toEqual(at(15_000));
    expect(nextAttemptAt(p, 3, start, start, () => 1)).toEqual(at(120_000));
    expect(nextAttemptAt(p, 12, start, start, () => 1)).toEqual(at(p.maxDelayMs));
  });

  it('keeps trying for a day, never past it, then gives up', () => {
    const p = DEFAULT_RETRY_POLICY;
    let now = start;
    let attempts = 0;
    const times: Date[] = [];
    for (;;) {
      attempts++;
      const next = nextAttemptAt(p, attempts, start, now, () => 0.5);
      if (!next) break;
      times.push(next);
      now = next;
    }
    const last = times.at(-1) as Date;
    expect(last.getTime() - start.getTime()).toBe(p.maxScheduleMs);
    expect(attempts).toBeLessThanOrEqual(p.maxAttempts);
    expect(times.every((t, i) => i === 0 || t > (times[i - 1] as Date))).toBe(true);
  });

  it('dead after the last allowed attempt', () => {
    const p = { ...DEFAULT_RETRY_POLICY, maxAttempts: 3 };
    expect(nextAttemptAt(p, 2, start, start)).not.toBeNull();
    expect(nextAttemptAt(p, 3, start, start)).toBeNull();
  });
});
