import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../common/errors.js';
import { localTimeToEpochMs, parseWallClock, zoneOffsetMs } from './wall-clock.js';

describe('wall clock', () => {
  it('reads a zone-less local time in the source zone', () => {
    expect(localTimeToEpochMs('2024-01-08T10:00:00', 'Asia/Shanghai')).toBe(Date.UTC(2024, 0, 8, 2));
    // DJI's own spelling, with a space and a fraction.
    expect(localTimeToEpochMs('2024-01-08 10:00:01.250', 'Asia/Shanghai')).toBe(
      Date.UTC(2024, 0, 8, 2, 0, 1, 250),
    );
    expect(localTimeToEpochMs('not a time', 'Asia/Shanghai')).toBeNull();
  });

  it('settles the offset on both sides of a daylight-saving change', () => {
    expect(zoneOffsetMs(Date.UTC(2024, 0, 15), 'Europe/Berlin')).toBe(3600_000);
    expect(localTimeToEpochMs('2024-07-01T12:00', 'Europe/Berlin')).toBe(Date.UTC(2024, 6, 1, 10));
    expect(localTimeToEpochMs('2024-03-31T01:30', 'Europe/Berlin')).toBe(Date.UTC(2024, 2, 31, 0, 30));
  });

  it('takes epoch ms, ISO with a zone, or local time, and names the problem otherwise', () => {
    const at = Date.UTC(2024, 0, 8, 2);
    expect(parseWallClock(at, 'Asia/Shanghai')).toBe(at);
    expect(parseWallClock(String(at), 'Asia/Shanghai')).toBe(at);
    expect(parseWallClock('2024-01-08T10:00:00+08:00', 'UTC')).toBe(at);
    expect(parseWallClock('2024-01-08T02:00:00Z', 'Asia/Shanghai')).toBe(at);
    expect(parseWallClock('2024-01-08 10:00', 'Asia/Shanghai')).toBe(at);
    expect(() => parseWallClock('yesterday', 'Asia/Shanghai')).toThrow(InvalidInputError);
    expect(() => parseWallClock('yesterday', 'Asia/Shanghai')).toThrow(/local time in Asia\/Shanghai/);
    expect(() => parseWallClock(NaN, 'Asia/Shanghai')).toThrow(/finite/);
  });
});
