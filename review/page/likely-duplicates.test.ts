import { describe, expect, it } from 'vitest';
import { distanceM, likelyDuplicates } from './likely-duplicates.js';
import { testCase } from './test-cases.js';

describe('likelyDuplicates', () => {
  it('finds repeats at the same place, source, type and zone, close in time', () => {
    const of = testCase({ firstSeen: '2026-03-01T08:00:00Z', lastSeen: '2026-03-01T08:10:00Z' });
    const again = testCase({
      firstSeen: '2026-03-01T09:00:00Z',
      lastSeen: '2026-03-01T09:05:00Z',
      location: { lat: 30.27005, lon: 120.15 },
    });
    const farAway = testCase({ location: { lat: 30.28, lon: 120.15 } });
    const otherType = testCase({ type: 'street_vendor' });
    const otherSource = testCase({ sourceId: 'cam-2' });
    const otherZone = testCase({ zoneId: 'gate' });
    const muchLater = testCase({ firstSeen: '2026-03-01T12:00:00Z', lastSeen: '2026-03-01T12:05:00Z' });
    const noLocation = testCase({ location: null });
    expect(
      likelyDuplicates(of, [
        of,
        again,
        farAway,
        otherType,
        otherSource,
        otherZone,
        muchLater,
        noLocation,
      ]).map((c) => c.id),
    ).toEqual([again.id, noLocation.id]);
  });

  it('measures great-circle distance in metres', () => {
    expect(distanceM({ lat: 30, lon: 120 }, { lat: 30, lon: 120 })).toBe(0);
    expect(distanceM({ lat: 30, lon: 120 }, { lat: 30.001, lon: 120 })).toBeCloseTo(111.2, 0);
  });
});
