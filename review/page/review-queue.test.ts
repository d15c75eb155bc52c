import { describe, expect, it } from 'vitest';
import { matchesFilters, NO_FILTERS, ReviewQueue } from './review-queue.js';
import { testCase } from './test-cases.js';

const ids = (q: ReviewQueue) => q.list().map((c) => c.id);

describe('ReviewQueue', () => {
  it('orders newest first or most confident first', () => {
    const a = testCase({ confidence: 0.5 });
    const b = testCase({ confidence: 0.9 });
    const c = testCase({ confidence: 0.7 });
    const q = new ReviewQueue('newest');
    q.reset([a, b, c]);
    expect(ids(q)).toEqual([c.id, b.id, a.id]);
    q.setOrder('confidence');
    expect(ids(q)).toEqual([b.id, c.id, a.id]);
  });

  it('keeps the reviewer on their case while cases arrive and leave around it', () => {
    const [a, b, c] = [testCase(), testCase(), testCase()];
    const q = new ReviewQueue('newest');
    q.reset([a, b, c]);
    q.select(b.id);
    const arriving = testCase();
    expect(q.upsert(arriving, { live: true })).toEqual({ added: true, removed: false });
    expect(ids(q)[0]).toBe(arriving.id);
    expect(q.current()?.id).toBe(b.id);
    expect(q.isFresh(arriving.id)).toBe(true);
    expect(q.freshCount()).toBe(1);
    // Someone else decided a case above: still on b.
    expect(q.upsert({ ...c, status: 'confirmed', version: 2 })).toEqual({ added: false, removed: true });
    expect(q.current()?.id).toBe(b.id);
    // Reaching the fresh case clears its flag.
    q.move(-1);
    expect(q.current()?.id).toBe(arriving.id);
    expect(q.freshCount()).toBe(0);
  });

  it('moves to the next case when the current one is removed, and to the previous at the end', () => {
    const [a, b, c] = [testCase(), testCase(), testCase()];
    const q = new ReviewQueue('newest');
    q.reset([a, b, c]); // c, b, a
    q.select(b.id);
    q.remove(b.id);
    expect(q.current()?.id).toBe(a.id);
    q.remove(a.id);
    expect(q.current()?.id).toBe(c.id);
    q.remove(c.id);
    expect(q.current()).toBeUndefined();
    expect(q.move(1)).toBe(false);
  });

  it('ignores stale versions, refreshes newer ones and drops cases that stop matching', () => {
    const a = testCase({ version: 3, dwellSeconds: 240 });
    const q = new ReviewQueue('newest', { ...NO_FILTERS, types: ['illegal_parking'] });
    q.reset([a]);
    q.upsert({ ...a, version: 2, dwellSeconds: 10 });
    expect(q.get(a.id)?.dwellSeconds).toBe(240);
    q.upsert({ ...a, version: 4, dwellSeconds: 600 });
    expect(q.get(a.id)?.dwellSeconds).toBe(600);
    expect(q.upsert(testCase({ type: 'bin_overflow' }))).toEqual({ added: false, removed: false });
    expect(q.size).toBe(1);
  });

  it('holds decided cases out until released, and restores an undone one as current', () => {
    const [a, b] = [testCase(), testCase()];
    const q = new ReviewQueue('newest');
    q.reset([a, b]); // b, a
    q.hold(b.id);
    q.remove(b.id);
    expect(q.current()?.id).toBe(a.id);
    expect(q.upsert({ ...b, version: 2 }).added).toBe(false);
    q.restore(b);
    expect(ids(q)).toEqual([b.id, a.id]);
    expect(q.current()?.id).toBe(b.id);
    expect(q.isHeld(b.id)).toBe(false);
  });

  it('marks cases for bulk decisions in queue order and forgets marks of removed cases', () => {
    const [a, b, c] = [testCase(), testCase(), testCase()];
    const q = new ReviewQueue('newest');
    q.reset([a, b, c]);
    expect(q.toggleMark(a.id)).toBe(true);
    expect(q.mark([c.id, a.id, 'unknown'])).toBe(1);
    expect(q.marked().map((x) => x.id)).toEqual([c.id, a.id]);
    q.remove(c.id);
    expect(q.marked().map((x) => x.id)).toEqual([a.id]);
    expect(q.toggleMark(a.id)).toBe(false);
    q.mark([b.id]);
    q.clearMarks();
    expect(q.marked()).toEqual([]);
  });

  it('matches filters as the API does: candidates only, type, exact source, first-seen in [from, to)', () => {
    const c = testCase({ firstSeen: '2026-03-01T08:00:00Z' });
    expect(matchesFilters(c, NO_FILTERS)).toBe(true);
    expect(matchesFilters({ ...c, status: 'rejected' }, NO_FILTERS)).toBe(false);
    expect(matchesFilters(c, { ...NO_FILTERS, source: 'cam-2' })).toBe(false);
    expect(matchesFilters(c, { ...NO_FILTERS, from: '2026-03-01T08:00:00Z' })).toBe(true);
    expect(matchesFilters(c, { ...NO_FILTERS, to: '2026-03-01T08:00:00Z' })).toBe(false);
    expect(matchesFilters(c, { ...NO_FILTERS, types: ['street_vendor'] })).toBe(false);
  });

  it('reset keeps the current case when it is still there', () => {
    const [a, b] = [testCase(), testCase()];
    const q = new ReviewQueue('newest');
    q.reset([a, b]);
    q.select(a.id);
    q.reset([b, a]);
    expect(q.current()?.id).toBe(a.id);
    q.reset([b]);
    expect(q.current()?.id).toBe(b.id);
  });
});
