import type { TrackRuleParams } from '../config/rule-params.js';
import { medianScore } from '../tracker/score-histogram.js';
import { steadyBox } from '../tracker/stationary.js';
import type { TrackState } from '../tracker/track-types.js';

/** Share of frames since the track began in which it was detected. */
export function presenceRatio(track: TrackState): number {
  return track.framesAlive > 0 ? Math.min(1, track.hits / track.framesAlive) : 0;
}

/** Median score, discounted a little for a track that keeps dropping out. */
export function trackConfidence(track: TrackState): number {
  return medianScore(track.scoreHistogram) * (0.7 + 0.3 * presenceRatio(track));
}

/** The brief's gates: track age, median score over the track, box size, observation count. */
export function passesTrackGates(track: TrackState, params: TrackRuleParams, timeS: number): boolean {
  if (timeS - track.firstSeenS < params.minTrackAgeSeconds) return false;
  if (track.hits < params.minObservations) return false;
  if (medianScore(track.scoreHistogram) < params.minMedianScore) return false;
  const b = steadyBox(track);
  return Math.min(b[2] - b[0], b[3] - b[1]) >= params.minBoxSizePx;
}
