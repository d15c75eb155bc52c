import { describe, expect, it } from 'vitest';
import { canTransition, nextStatuses } from './case-lifecycle.js';
import { CASE_STATUSES } from './case-model.js';

describe('case lifecycle', () => {
  it('allows exactly the documented steps', () => {
    const allowed = CASE_STATUSES.flatMap((from) =>
      CASE_STATUSES.filter((to) => canTransition(from, to)).map((to) => `${from}→${to}`),
    );
    expect(allowed).toEqual([
      'candidate→confirmed',
      'candidate→rejected',
      'candidate→expired',
      'confirmed→dispatched',
      'dispatched→closed',
    ]);
  });

  it('keeps terminal states terminal', () => {
    for (const s of ['rejected', 'closed', 'expired'] as const) expect(nextStatuses(s)).toEqual([]);
  });
});
