import { describe, expect, it } from 'vitest';
import { interpolateTelemetry } from './interpolate-telemetry.js';
import type { TelemetryRecord } from './telemetry-types.js';

const track = (records: TelemetryRecord[]): { records: TelemetryRecord[] } => ({ records });

describe('interpolateTelemetry', () => {
  const recs: TelemetryRecord[] = [
    {
      t: 0,
      durationS: 1,
      frame: 1,
      lat: 41.0,
      lon: 2.0,
      relAlt: 10,
      gimbalYaw: 350,
      gimbalPitch: -90,
      iso: 100,
      shutter: '1/100',
    },
    {
      t: 1,
      durationS: 1,
      frame: 2,
      lat: 41.001,
      lon: 2.002,
      relAlt: 20,
      gimbalYaw: 10,
      gimbalPitch: -80,
      iso: 200,
      shutter: '1/200',
    },
    {
      t: 2,
      durationS: 1,
      frame: 3,
      lat: 41.002,
      lon: 2.004,
      relAlt: 30,
      gimbalYaw: 30,
      gimbalPitch: -70,
      iso: 200,
    },
  ];

  it('blends numeric fields linearly between the neighbouring records', () => {
    const r = interpolateTelemetry(track(recs), 0.25)!;
    expect(r.t).toBe(0.25);
    expect(r.lat).toBeCloseTo(41.00025, 10);
    expect(r.lon).toBeCloseTo(2.0005, 10);
    expect(r.relAlt).toBeCloseTo(12.5, 10);
    expect(r.gimbalPitch).toBeCloseTo(-87.5, 10);
    // Discrete values come from the nearer record.
    expect(r).toMatchObject({ frame: 1, iso: 100, shutter: '1/100' });
    expect(interpolateTelemetry(track(recs), 0.75)).toMatchObject({ frame: 2, iso: 200, shutter: '1/200' });
  });

  it('interpolates yaw the short way round: 350° → 10° passes through 0°, not 180°', () => {
    expect(interpolateTelemetry(track(recs), 0.25)!.gimbalYaw).toBeCloseTo(355, 10);
    expect(interpolateTelemetry(track(recs), 0.5)!.gimbalYaw! % 360).toBeCloseTo(0, 10);
    expect(interpolateTelemetry(track(recs), 0.75)!.gimbalYaw).toBeCloseTo(5, 10);
    // DJI's ±180° convention: -170° → 170° crosses ±180°.
    const pm = track([
      { t: 0, aircraftYaw: -170 },
      { t: 1, aircraftYaw: 170 },
    ]);
    expect(interpolateTelemetry(pm, 0.25)!.aircraftYaw).toBeCloseTo(-175, 10);
    expect(interpolateTelemetry(pm, 0.75)!.aircraftYaw).toBeCloseTo(175, 10);
  });

  it('returns a record exactly at its own timestamp', () => {
    expect(interpolateTelemetry(track(recs), 1)).toMatchObject({
      t: 1,
      lat: 41.001,
      relAlt: 20,
      gimbalYaw: 10,
    });
  });

  it('clamps just beyond the ends and gives up far outside', () => {
    expect(interpolateTelemetry(track(recs), 2.9)).toMatchObject({ t: 2.9, lat: 41.002, frame: 3 });
    expect(interpolateTelemetry(track(recs), -0.5)).toMatchObject({ t: -0.5, lat: 41.0, frame: 1 });
    expect(interpolateTelemetry(track(recs), 3.5)).toBeUndefined();
    expect(interpolateTelemetry(track(recs), -2)).toBeUndefined();
    expect(interpolateTelemetry(track(recs), 3.5, { toleranceS: 2 })).toMatchObject({ frame: 3 });
    expect(interpolateTelemetry(track(recs), Number.NaN)).toBeUndefined();
    expect(interpolateTelemetry(track([]), 0)).toBeUndefined();
  });

  it('uses the nearer record for a field only one neighbour has', () => {
    const r = track([
      { t: 0, lat: 1, lon: 1 },
      { t: 1, relAlt: 5 },
    ]);
    expect(interpolateTelemetry(r, 0.2)).toEqual({ t: 0.2, lat: 1, lon: 1 });
    expect(interpolateTelemetry(r, 0.8)).toEqual({ t: 0.8, relAlt: 5 });
  });

  it('finds the right interval in a long track (binary search)', () => {
    const long = track(Array.from({ length: 10_001 }, (_, i) => ({ t: i * 0.02, relAlt: i })));
    expect(interpolateTelemetry(long, 123.457)!.relAlt).toBeCloseTo(6172.85, 6);
    expect(interpolateTelemetry(long, 200)!.relAlt).toBe(10_000);
  });

  it('does not alias the source records', () => {
    const src = track([
      { t: 0, home: { lat: 1, lon: 2 } },
      { t: 1, home: { lat: 1, lon: 2 } },
    ]);
    const r = interpolateTelemetry(src, 0)!;
    r.home!.lat = 99;
    expect(src.records[0]!.home!.lat).toBe(1);
  });
});
