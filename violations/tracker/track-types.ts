import type { BoxXYXY } from '../../detector/types.js';
import type { FrameRef } from '../violation-types.js';

export interface TrackerOptions {
  /** ByteTrack's first pass and the only scores that may start a track. */
  highScore: number;
  /**
   * Per label, a lower start score than `highScore`: the detector's calibrated operating point for
   * that class (its manifest `minScore`, tuned for best F1). A model whose honest scores for a class
   * sit around 0.3 would otherwise never start a track of it. Never raises the bar above `highScore`.
   */
  startScores: Readonly<Record<string, number>>;
  /** Detections below this are dropped; between the two they only extend existing tracks. */
  lowScore: number;
  /** IoU against the predicted or last box needed to continue a moving track. */
  matchIou: number;
  /**
   * IoU against a stationary track's median box needed to continue it. Higher than `matchIou` so
   * a bus passing in front of a parked car is not taken for the car.
   */
  stationaryMatchIou: number;
  /** An unmatched detection this close to a track matched in the same frame is a duplicate. */
  duplicateIou: number;
  maxLostSeconds: number;
  /** Occlusions of parked cars and stalls last longer than a passing glitch. */
  maxLostStationarySeconds: number;
  /** Current box against the median of recent boxes, at or above which the object has not moved. */
  stationaryIou: number;
  /** Between this and `stationaryIou`, a matching appearance still counts as not moved (shake). */
  looseIou: number;
  /** A still run must last this long before the track is stationary (then backdated to its start). */
  stationaryWindowSeconds: number;
  minStationaryObservations: number;
  /** History used for the median box. */
  medianWindowSeconds: number;
  maxHistory: number;
  /** Consecutive moved observations that end a stationary state (hysteresis). */
  exitStreak: number;
  /** The same before the track is stationary; small so that a stop is dated promptly. */
  candidateExitStreak: number;
  /** Normalised appearance distance (0 same colours, 1 opposite) that still counts as the same object. */
  maxAppearanceDistance: number;
  /** Velocity extrapolation is capped; beyond this a lost mover is matched at its last box only. */
  maxPredictSeconds: number;
}

export const DEFAULT_TRACKER_OPTIONS: Readonly<TrackerOptions> = {
  highScore: 0.5,
  startScores: {},
  lowScore: 0.1,
  matchIou: 0.3,
  stationaryMatchIou: 0.5,
  duplicateIou: 0.7,
  maxLostSeconds: 5,
  maxLostStationarySeconds: 30,
  stationaryIou: 0.7,
  looseIou: 0.4,
  stationaryWindowSeconds: 10,
  minStationaryObservations: 3,
  medianWindowSeconds: 30,
  maxHistory: 48,
  exitStreak: 3,
  candidateExitStreak: 2,
  maxAppearanceDistance: 0.25,
  maxPredictSeconds: 2,
};

/** The frame being tracked; `width`/`height` are image pixels. */
export interface FrameMeta {
  ptsS: number;
  frameIndex?: number;
  wallClockMs?: number;
  width: number;
  height: number;
}

/** A detection already checked by the engine: finite, inside the frame, known label. */
export interface TrackInput {
  label: string;
  score: number;
  box: BoxXYXY;
  /** Unit-length appearance vector, when the caller supplied one. */
  appearance?: number[];
}

export interface Observation {
  /** Engine timeline seconds. */
  t: number;
  ref: FrameRef;
  appearance?: number[];
}

/** Plain data only: the whole tracker state goes through JSON when a camera moves worker. */
export interface TrackState {
  id: string;
  label: string;
  firstSeenS: number;
  lastSeenS: number;
  /** Tracker frame counter at the last match; equals the current counter when seen this frame. */
  lastFrame: number;
  hits: number;
  /** Frames processed while the track existed, matched or not. */
  framesAlive: number;
  box: BoxXYXY;
  /** Centre velocity, pixels per second; zero while stationary. */
  vx: number;
  vy: number;
  /** Observations of the current still run, for the median box. */
  history: Observation[];
  /** Consecutive observations that disagreed with the median. */
  pending: Observation[];
  /** Start of the current still run. */
  stillSince: number;
  stationary: boolean;
  /** Dwell starts here; backdated to `stillSince` when the track turns stationary. */
  stationarySince: number | null;
  /** Running mean of unit appearance vectors over the still run. */
  appearance: number[] | null;
  scoreHistogram: number[];
  first: FrameRef;
  /** Frame at `stillSince`. */
  start: FrameRef;
  last: FrameRef;
  best: FrameRef;
  bestQuality: number;
}

export interface TrackerSnapshot {
  version: 1;
  nextId: number;
  frame: number;
  tracks: TrackState[];
}
