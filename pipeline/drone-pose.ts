/**
 * A drone camera's pose at a frame, from its telemetry: where it was, how high, which way the
 * gimbal pointed, and its intrinsics for the decoded frame size.
 */
import { interpolateTelemetry, type TelemetryRecord } from '../video/telemetry/index.js';
import { intrinsicsFromFocal35 } from '../video/geo/index.js';
import type { DronePose } from '../violations/ground/ground-locator.js';

/** DJI's standard wide camera; used when neither the telemetry nor the caller names a lens. */
export const DEFAULT_FOCAL_35MM = 24;

/** What a telemetry track lacks for geo-referencing, worth one warning per video. */
export function poseGaps(records: readonly TelemetryRecord[]): string[] {
  const gaps: string[] = [];
  const some = (k: keyof TelemetryRecord) => records.some((r) => r[k] !== undefined);
  if (!records.some((r) => r.lat !== undefined && r.lon !== undefined)) gaps.push('no positions');
  if (!some('relAlt') && !some('height')) gaps.push('no height above take-off');
  if (!some('gimbalYaw') && !some('aircraftYaw')) gaps.push('no yaw (north assumed)');
  if (!some('gimbalPitch')) gaps.push('no gimbal pitch (straight down assumed)');
  if (!some('focalLen35mm')) gaps.push('no focal length');
  return gaps;
}

/** Pose from one telemetry record, or undefined when it has no position or height. */
export function poseFromRecord(
  rec: TelemetryRecord | undefined,
  width: number,
  height: number,
  focal35mm = DEFAULT_FOCAL_35MM,
): DronePose | undefined {
  if (!rec || rec.lat === undefined || rec.lon === undefined) return undefined;
  const heightM = rec.relAlt ?? rec.height;
  if (heightM === undefined || !(heightM > 0)) return undefined;
  const focal = rec.focalLen35mm !== undefined && rec.focalLen35mm > 0 ? rec.focalLen35mm : focal35mm;
  return {
    camera: {
      lat: rec.lat,
      lon: rec.lon,
      heightM,
      headingDeg: rec.gimbalYaw ?? rec.aircraftYaw ?? 0,
      pitchDeg: rec.gimbalPitch ?? -90,
    },
    intrinsics: intrinsicsFromFocal35(width, height, focal),
  };
}

/** Pose at a frame timestamp, interpolated between telemetry records. */
export function poseAt(
  records: readonly TelemetryRecord[],
  ptsS: number,
  width: number,
  height: number,
  focal35mm?: number,
): DronePose | undefined {
  // interpolateTelemetry only reads the records.
  const track = { records: records as TelemetryRecord[] };
  return poseFromRecord(interpolateTelemetry(track, ptsS), width, height, focal35mm);
}

/**
 * Drops records closer together than `minSpacingS` (DJI writes one per video frame): frame-time
 * interpolation between the rest loses nothing a drone moving a few metres per second would show.
 */
export function thinTelemetry(records: readonly TelemetryRecord[], minSpacingS: number): TelemetryRecord[] {
  const out: TelemetryRecord[] = [];
  for (const r of records) {
    const last = out[out.length - 1];
    if (!last || r.t - last.t >= minSpacingS) out.push(r);
  }
  const tail = records[records.length - 1];
  if (tail && out[out.length - 1] !== tail) out.push(tail);
  return out;
}
