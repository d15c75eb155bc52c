import type { TelemetryRecord, TelemetryTrack } from './telemetry-types.js';

type NumericKey = {
  [K in keyof TelemetryRecord]-?: NonNullable<TelemetryRecord[K]> extends number ? K : never;
}[keyof TelemetryRecord];

// Continuous quantities blend; counters and discrete camera steps (ISO, frame) come from the
// nearer record, because a value between two ISO stops or frame numbers was never true.
const LINEAR: readonly NumericKey[] = [
  'lat',
  'relAlt',
  'absAlt',
  'height',
  'gimbalPitch',
  'gimbalRoll',
  'aircraftPitch',
  'aircraftRoll',
  'focalLen35mm',
  'fNumber',
  'colorTemp',
  'distance',
];
const CIRCULAR: readonly NumericKey[] = ['lon', 'gimbalYaw', 'aircraftYaw'];
const NEAREST: readonly NumericKey[] = ['durationS', 'frame', 'iso', 'satellites'];

/** When neither the records nor the caller say how far the ends reach. */
const DEFAULT_TOLERANCE_S = 0.5;

export interface InterpolateOptions {
  /** How far beyond the first/last record a timestamp still clamps to it. */
  toleranceS?: number;
}

function wrap180(x: number): number {
  return ((((x + 180) % 360) + 360) % 360) - 180;
}

/** Shortest way round; keeps the 0…360 convention when both inputs use it. */
function lerpAngle(a: number, b: number, f: number): number {
  const d = wrap180(b - a);
  const r = wrap180(a + f * d);
  return a >= 0 && b >= 0 && r < 0 ? r + 360 : r;
}

function endReach(rec: TelemetryRecord, neighbour: TelemetryRecord | undefined): number {
  const spacing = neighbour ? Math.abs(neighbour.t - rec.t) : 0;
  const reach = Math.max(rec.durationS ?? 0, spacing);
  return reach > 0 ? reach : DEFAULT_TOLERANCE_S;
}

function copyNearest(out: TelemetryRecord, near: TelemetryRecord): void {
  for (const k of NEAREST) if (near[k] !== undefined) out[k] = near[k];
  if (near.time !== undefined) out.time = near.time;
  if (near.shutter !== undefined) out.shutter = near.shutter;
  if (near.home) out.home = { lat: near.home.lat, lon: near.home.lon };
}

function clampTo(rec: TelemetryRecord, t: number): TelemetryRecord {
  const out: TelemetryRecord = { t };
  for (const k of LINEAR) if (rec[k] !== undefined) out[k] = rec[k];
  for (const k of CIRCULAR) if (rec[k] !== undefined) out[k] = rec[k];
  copyNearest(out, rec);
  return out;
}

/**
 * Telemetry at a frame timestamp (seconds from the video start). Between two records numeric
 * fields are blended linearly (yaw and longitude the short way round the circle); a field only one
 * neighbour has comes from the nearer record if that one has it. Up to a record spacing (or
 * `toleranceS`) beyond the ends the end record is returned; further out, undefined.
 */
export function interpolateTelemetry(
  track: Pick<TelemetryTrack, 'records'>,
  t: number,
  opts: InterpolateOptions = {},
): TelemetryRecord | undefined {
  const recs = track.records;
  const n = recs.length;
  if (n === 0 || !Number.isFinite(t)) return undefined;
  const first = recs[0]!;
  const last = recs[n - 1]!;
  if (t <= first.t) {
    return first.t - t <= (opts.toleranceS ?? endReach(first, recs[1])) ? clampTo(first, t) : undefined;
  }
  if (t >= last.t) {
    return t - last.t <= (opts.toleranceS ?? endReach(last, recs[n - 2])) ? clampTo(last, t) : undefined;
  }

  // Invariant: recs[lo].t <= t < recs[hi].t.
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if (recs[mid]!.t <= t) lo = mid;
    else hi = mid;
  }
  const a = recs[lo]!;
  const b = recs[hi]!;
  const span = b.t - a.t;
  const f = span > 0 ? (t - a.t) / span : 0;
  const near = f < 0.5 ? a : b;

  const out: TelemetryRecord = { t };
  for (const k of LINEAR) {
    const va = a[k];
    const vb = b[k];
    if (va !== undefined && vb !== undefined) out[k] = va + f * (vb - va);
    else if (near[k] !== undefined) out[k] = near[k];
  }
  for (const k of CIRCULAR) {
    const va = a[k];
    const vb = b[k];
    if (va !== undefined && vb !== undefined) out[k] = lerpAngle(va, vb, f);
    else if (near[k] !== undefined) out[k] = near[k];
  }
  copyNearest(out, near);
  return out;
}
