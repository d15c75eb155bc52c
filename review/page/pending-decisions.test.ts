import { describe, expect, it } from 'vitest';
import { PendingDecisions, type Decision, type Timers } from './pending-decisions.js';
import { testCase } from './test-cases.js';

/** Manual clock: a unit test of timing logic needs no real waiting. */
function manualTimers(): Timers & { advance(ms: number): void } {
  let now = 0;
  let handles = 0;
  const due = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    set(fn, ms) {
      due.set(++handles, { at: now + ms, fn });
      return handles;
    },
    clear(handle) {
      due.delete(handle as number);
    },
    advance(ms) {
      now += ms;
      for (const [h, t] of [...due].sort((x, y) => x[1].at - y[1].at)) {
        if (t.at <= now) {
          due.delete(h);
          t.fn();
        }
      }
    },
  };
}

describe('PendingDecisions', () => {
  it('sends a decision only once its undo window has passed', () => {
    const timers = manualTimers();
    const sent: Decision[] = [];
    const p = new PendingDecisions(5000, (d) => sent.push(d), timers);
    const c = testCase();
    p.add({ kind: 'confirm' }, [c]);
    timers.advance(4999);
    expect(sent).toEqual([]);
    expect(p.caseIds()).toEqual(new Set([c.id]));
    timers.advance(1);
    expect(sent.map((d) => d.cases[0]?.id)).toEqual([c.id]);
    expect(p.size).toBe(0);
  });

  it('undo withdraws the latest decision still waiting, never one already sent', () => {
    const timers = manualTimers();
    const sent: number[] = [];
    const p = new PendingDecisions(5000, (d) => sent.push(d.id), timers);
    const first = p.add({ kind: 'confirm' }, [testCase()]);
    timers.advance(3000);
    const second = p.add({ kind: 'reject', reason: 'duplicate' }, [testCase(), testCase()]);
    expect(p.latest()?.id).toBe(second.id);
    expect(p.undoLast()?.id).toBe(second.id);
    timers.advance(2000);
    expect(sent).toEqual([first.id]);
    expect(p.undoLast()).toBeUndefined();
    timers.advance(10_000);
    expect(sent).toEqual([first.id]);
  });

  it('flush sends everything at once, marked urgent', () => {
    const timers = manualTimers();
    const sent: Array<[number, boolean]> = [];
    const p = new PendingDecisions(5000, (d, urgent) => sent.push([d.id, urgent]), timers);
    const a = p.add({ kind: 'confirm' }, [testCase()]);
    const b = p.add({ kind: 'confirm' }, [testCase()]);
    p.flush(true);
    expect(sent).toEqual([
      [a.id, true],
      [b.id, true],
    ]);
    timers.advance(6000);
    expect(sent).toHaveLength(2);
  });
});
