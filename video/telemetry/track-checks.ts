import type { TelemetryRecord } from './telemetry-types.js';

/**
 * Some Mavic Air 2 firmware writes named latitude/longitude in radians. A real flight inside
 * |lat| ≤ π/2°, |lon| ≤ π° would be at sea in the Gulf of Guinea, and radians spread over less than
 * 0.001 rad (≈ 6 km) are what a drone flight looks like, so both together decide it for the file.
 */
export function looksLikeRadians(points: readonly { lat: number; lon: number }[]): boolean {
  if (points.length === 0) return false;
  let minLat = Infinity;
  let maxLat = -Infinity;
  let minLon = Infinity;
  let maxLon = -Infinity;
  for (const p of points) {
    minLat = Math.min(minLat, p.lat);
    maxLat = Math.max(maxLat, p.lat);
    minLon = Math.min(minLon, p.lon);
    maxLon = Math.max(maxLon, p.lon);
  }
  const inRange = Math.max(-minLat, maxLat) <= Math.PI / 2 && Math.max(-minLon, maxLon) <= Math.PI;
  return inRange && maxLat - minLat <= 0.001 && maxLon - minLon <= 0.001;
}

/** Seconds of the drone clock; only differences are used, so the missing zone does not matter. */
export function clockSeconds(time: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(time);
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  const frac = m[7] === undefined ? 0 : Number(`0.${m[7]}`);
  return Number.isFinite(ms) ? ms / 1000 + frac : undefined;
}

/**
 * Edited videos join clips: the frame counter restarts and the drone clock jumps while the cue
 * times run on. Telemetry is still right per record, but a track is not one continuous flight.
 */
export function describeJoins(records: readonly TelemetryRecord[]): string | undefined {
  let restarts = 0;
  let jumps = 0;
  let largest = 0;
  for (let i = 1; i < records.length; i++) {
    const a = records[i - 1]!;
    const b = records[i]!;
    if (a.frame !== undefined && b.frame !== undefined && b.frame < a.frame) restarts++;
    if (a.time === undefined || b.time === undefined) continue;
    const ca = clockSeconds(a.time);
    const cb = clockSeconds(b.time);
    if (ca === undefined || cb === undefined) continue;
    const cueGap = b.t - a.t;
    const slip = Math.abs(cb - ca - cueGap);
    if (slip > Math.max(2, 5 * cueGap)) {
      jumps++;
      largest = Math.max(largest, slip);
    }
  }
  if (restarts === 0 && jumps === 0) return undefined;
  const parts: string[] = [];
  if (restarts > 0) parts.push(`the frame counter restarts ${restarts} times`);
  if (jumps > 0) parts.push(`the drone clock jumps ${jumps} times (largest ${largest.toFixed(1)} s)`);
  return (
    `${parts.join(' and ')}: the video looks like joined clips, ` +
    'so frame numbers are not unique and the track is not one continuous flight'
  );
}
