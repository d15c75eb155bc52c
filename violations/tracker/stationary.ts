import { iou } from '../../detector/box-geometry.js';
import type { BoxXYXY } from '../../detector/types.js';
import { appearanceDistance, blendAppearance } from './appearance.js';
import type { Observation, TrackerOptions, TrackState } from './track-types.js';

const APPEARANCE_WEIGHT = 0.2;
/** A few boxes survive any trim so a long occlusion does not leave nothing to compare with. */
const MIN_KEPT = 3;

function median(values: number[]): number {
  values.sort((a, b) => a - b);
  const mid = values.length >> 1;
  return values.length % 2 === 1 ? values[mid]! : (values[mid - 1]! + values[mid]!) / 2;
}

/** Coordinate-wise median: one shaken or half-occluded box cannot drag it. */
export function medianBox(observations: readonly Observation[]): BoxXYXY | null {
  if (observations.length === 0) return null;
  const coord = (k: 0 | 1 | 2 | 3): number => median(observations.map((o) => o.ref.box[k]));
  return [coord(0), coord(1), coord(2), coord(3)];
}

/** The box rules should use: the median while a still run exists, else the last box. */
export function steadyBox(track: TrackState): BoxXYXY {
  return medianBox(track.history) ?? track.box;
}

/**
 * Geometry decides; appearance only rescues a borderline box (shake, a partial occlusion that
 * shrinks it). Appearance never vetoes a clear geometric match, so a day/night switch that
 * recolours a parked car does not restart its dwell.
 */
function agrees(
  ref: BoxXYXY,
  refAppearance: readonly number[] | null,
  obs: Observation,
  opts: TrackerOptions,
): boolean {
  const overlap = iou(obs.ref.box, ref);
  if (overlap >= opts.stationaryIou) return true;
  if (overlap < opts.looseIou || !obs.appearance || !refAppearance) return false;
  return appearanceDistance(obs.appearance, refAppearance) <= opts.maxAppearanceDistance;
}

function strip(obs: Observation): Observation {
  return { t: obs.t, ref: obs.ref };
}

function meanAppearance(observations: readonly Observation[]): number[] | null {
  let ref: number[] | null = null;
  let n = 0;
  for (const o of observations) {
    if (!o.appearance) continue;
    n++;
    ref = blendAppearance(ref, o.appearance, 1 / n);
  }
  return ref;
}

/** Starts a new still run at the first of `observations`. */
function startStillRun(track: TrackState, observations: readonly Observation[]): void {
  const first = observations[0]!;
  track.history = observations.map(strip);
  track.pending = [];
  track.stillSince = first.t;
  track.start = first.ref;
  track.stationary = false;
  track.stationarySince = null;
  track.appearance = meanAppearance(observations);
}

function trimHistory(track: TrackState, now: number, opts: TrackerOptions): void {
  const h = track.history;
  let drop = 0;
  while (drop < h.length - MIN_KEPT && h[drop]!.t < now - opts.medianWindowSeconds) drop++;
  drop = Math.max(drop, h.length - opts.maxHistory);
  if (drop > 0) h.splice(0, drop);
}

/**
 * Feeds one matched observation into the still/moving state machine. Time comes only from
 * observation timestamps, so missed frames neither stretch nor shrink a dwell.
 */
export function observeStillness(track: TrackState, obs: Observation, opts: TrackerOptions): void {
  const ref = medianBox(track.history);
  if (!ref) {
    startStillRun(track, [obs]);
    return;
  }
  if (agrees(ref, track.appearance, obs, opts)) {
    track.pending = [];
    track.history.push(strip(obs));
    trimHistory(track, obs.t, opts);
    if (obs.appearance)
      track.appearance = blendAppearance(track.appearance, obs.appearance, APPEARANCE_WEIGHT);
    if (
      !track.stationary &&
      obs.t - track.stillSince >= opts.stationaryWindowSeconds &&
      track.history.length >= opts.minStationaryObservations
    ) {
      track.stationary = true;
      track.stationarySince = track.stillSince;
      track.vx = 0;
      track.vy = 0;
    }
    return;
  }
  track.pending.push(obs);
  const needed = track.stationary ? opts.exitStreak : opts.candidateExitStreak;
  if (track.pending.length < needed) return;
  // It moved. Pending observations that agree with the latest one are where it is now; the
  // earliest of them is when it got there.
  const latest = track.pending[track.pending.length - 1]!;
  const here = track.pending.filter((p) => agrees(latest.ref.box, latest.appearance ?? null, p, opts));
  startStillRun(track, here);
}
