import { describe, expect, it } from 'vitest';
import type { TelemetryRecord } from '../video/telemetry/index.js';
import { DEFAULT_FOCAL_35MM, poseAt, poseFromRecord, poseGaps, thinTelemetry } from './drone-pose.js';

const rec = (t: number, extra: Partial<TelemetryRecord> = {}): TelemetryRecord => ({
  t,
  lat: 31.23,
  lon: 121.47 + t * 1e-5,
  relAlt: 40,
  gimbalYaw: 90,
  gimbalPitch: -90,
  focalLen35mm: 24,
  ...extra,
});

describe('drone pose from telemetry', () => {
  it('takes position, height, gimbal angles and the lens for the frame size', () => {
    const pose = poseFromRecord(rec(0), 640, 384)!;
    expect(pose.camera).toEqual({ lat: 31.23, lon: 121.47, heightM: 40, headingDeg: 90, pitchDeg: -90 });
    expect(pose.intrinsics.width).toBe(640);
    expect(pose.intrinsics.fx).toBeCloseTo((24 * Math.hypot(640, 384)) / 43.27, 6);
  });

  it('falls back to aircraft yaw, straight down and the default lens, and gives up without position or height', () => {
    const pose = poseFromRecord(
      rec(0, { gimbalYaw: undefined, aircraftYaw: 45, gimbalPitch: undefined, focalLen35mm: undefined }),
      100,
      60,
    )!;
    expect(pose.camera.headingDeg).toBe(45);
    expect(pose.camera.pitchDeg).toBe(-90);
    expect(pose.intrinsics.fx).toBeCloseTo((DEFAULT_FOCAL_35MM * Math.hypot(100, 60)) / 43.27, 6);
    expect(poseFromRecord(rec(0, { lat: undefined }), 100, 60)).toBeUndefined();
    expect(poseFromRecord(rec(0, { relAlt: undefined }), 100, 60)).toBeUndefined();
    expect(poseFromRecord(rec(0, { relAlt: 0 }), 100, 60)).toBeUndefined();
  });

  it('interpolates between records at frame times', () => {
    const pose = poseAt([rec(0), rec(1)], 0.5, 640, 384)!;
    expect(pose.camera.lon).toBeCloseTo(121.470005, 9);
    expect(poseAt([rec(0), rec(1)], 30, 640, 384)).toBeUndefined();
  });

  it('names what the track lacks', () => {
    expect(poseGaps([rec(0)])).toEqual([]);
    expect(poseGaps([{ t: 0, lat: 1, lon: 2 }])).toEqual([
      'no height above take-off',
      'no yaw (north assumed)',
      'no gimbal pitch (straight down assumed)',
      'no focal length',
    ]);
  });

  it('thins a per-frame track and keeps its ends', () => {
    const dense = Array.from({ length: 31 }, (_, i) => rec(i / 30));
    const thin = thinTelemetry(dense, 0.25);
    expect(thin[0]!.t).toBe(0);
    expect(thin[thin.length - 1]!.t).toBe(1);
    expect(thin.length).toBeLessThanOrEqual(6);
  });
});
