import { describe, expect, it } from 'vitest';
import { RULE_DEFAULTS } from '../config/rule-params.js';
import type { PlaceAnchor, ViolationCandidate } from '../rules/rule-types.js';
import { DEFAULT_DEDUPE_OPTIONS, ViolationRegistry } from './violation-registry.js';

function candidate(timeS: number, anchor: PlaceAnchor, met = true, trackIds = ['t1']): ViolationCandidate {
  return {
    type: 'illegal_parking',
    zoneId: 'bay',
    met,
    timeS,
    sinceS: 0,
    trackIds,
    anchor,
    current: { ptsS: timeS, box: anchor.box ?? [0, 0, 1, 1], score: 0.8 },
    bestQuality: 1,
    confidence: 0.8,
    ruleParams: RULE_DEFAULTS.illegal_parking,
  };
}

describe('violation registry', () => {
  const camera = () => new ViolationRegistry('cam-1', false, { ...DEFAULT_DEDUPE_OPTIONS });

  it('gives two small cars in one coarse cell their own place keys and ids', () => {
    const reg = camera();
    const a = candidate(200, { box: [100, 500, 130, 520], point: [0.09, 0.72] });
    const b = candidate(200, { box: [135, 500, 165, 520], point: [0.094, 0.72] }, true, ['t2']);
    const events = reg.observe([a, b], 200);
    expect(events.map((e) => e.kind)).toEqual(['opened', 'opened']);
    expect(events[0]!.violation.placeKey).toBe('illegal_parking:bay:x1y14');
    expect(events[1]!.violation.placeKey).toBe('illegal_parking:bay:x1y14~2');
    expect(events[0]!.violation.id).not.toBe(events[1]!.violation.id);
  });

  it('lets an unmet candidate keep an open violation alive but never open one', () => {
    const reg = camera();
    const anchor = {
      box: [100, 500, 200, 560] as [number, number, number, number],
      point: [0.11, 0.78] as [number, number],
    };
    expect(reg.observe([candidate(10, anchor, false)], 10)).toEqual([]);
    reg.observe([candidate(200, anchor)], 200);
    const upd = reg.observe([candidate(250, anchor, false, ['t9'])], 250);
    expect(upd).toMatchObject([{ kind: 'updated', violation: { trackIds: ['t1', 't9'], lastSeenS: 250 } }]);
    expect(reg.observe([], 371)).toMatchObject([{ kind: 'closed', reason: 'ended' }]);
  });

  it('suppresses a place it has never seen by key alone', () => {
    const reg = camera();
    reg.suppress('illegal_parking:bay:x5y15', 500, 0);
    const c = candidate(200, { box: [320, 700, 400, 760], point: [0.26, 0.78] });
    expect(reg.observe([c], 200)).toEqual([]);
    expect(reg.suppressedCount).toBe(1);
    expect(reg.observe([{ ...c, timeS: 501 }], 501)).toHaveLength(1);
  });

  it('matches drone places by ground distance and survives a JSON round trip', () => {
    const reg = new ViolationRegistry('flight-1', true, {
      ...DEFAULT_DEDUPE_OPTIONS,
      closeAfterSeconds: null,
    });
    reg.observe([candidate(5, { ground: { lat: 31.2304, lon: 121.4737 } })], 5);
    const next = new ViolationRegistry('flight-1', true, {
      ...DEFAULT_DEDUPE_OPTIONS,
      closeAfterSeconds: null,
    });
    next.restore(JSON.parse(JSON.stringify(reg.snapshot())));
    // About 6 m north: the same place. About 40 m: another.
    const near = next.observe([candidate(9000, { ground: { lat: 31.23045, lon: 121.4737 } })], 9000);
    expect(near.map((e) => e.kind)).toEqual(['updated']);
    const far = next.observe([candidate(9001, { ground: { lat: 31.2308, lon: 121.4737 } })], 9001);
    expect(far.map((e) => e.kind)).toEqual(['opened']);
    expect(next.openViolations()).toHaveLength(2);
  });
});
