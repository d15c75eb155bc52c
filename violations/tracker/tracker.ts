import { boxArea, iou } from '../../detector/box-geometry.js';
import type { BoxXYXY } from '../../detector/types.js';
import { InvalidInputError } from '../../common/errors.js';
import type { FrameRef } from '../violation-types.js';
import { greedyMatch, type MatchPair } from './association.js';
import { addScore, emptyScoreHistogram } from './score-histogram.js';
import { observeStillness, steadyBox } from './stationary.js';
import {
  DEFAULT_TRACKER_OPTIONS,
  type FrameMeta,
  type TrackerOptions,
  type TrackerSnapshot,
  type TrackInput,
  type TrackState,
} from './track-types.js';

const EDGE_MARGIN_PX = 2;
const VELOCITY_WEIGHT = 0.5;

/** Evidence quality: confident, large and not cut by the frame edge. */
function quality(box: BoxXYXY, score: number, frame: FrameMeta): number {
  const cut =
    box[0] <= EDGE_MARGIN_PX ||
    box[1] <= EDGE_MARGIN_PX ||
    box[2] >= frame.width - EDGE_MARGIN_PX ||
    box[3] >= frame.height - EDGE_MARGIN_PX;
  return score * Math.sqrt(boxArea(box)) * (cut ? 0.5 : 1);
}

function frameRef(frame: FrameMeta, det: TrackInput): FrameRef {
  const ref: FrameRef = { ptsS: frame.ptsS, box: [...det.box], score: det.score };
  if (frame.frameIndex !== undefined) ref.frameIndex = frame.frameIndex;
  if (frame.wallClockMs !== undefined) ref.wallClockMs = frame.wallClockMs;
  return ref;
}

function centre(b: BoxXYXY): [number, number] {
  return [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2];
}

/**
 * Multi-object tracker for one source, ByteTrack-style: per class, confident detections are
 * matched first, weak ones then only extend the tracks left over, and only confident ones start
 * tracks. "Confident" is per label when the detector says where its calibrated scores lie. Time
 * is the caller's timeline in seconds; the state is plain data for snapshot/restore.
 */
export class Tracker {
  readonly options: TrackerOptions;
  private tracks: TrackState[] = [];
  private nextId = 1;
  private frame = 0;

  constructor(options: Partial<TrackerOptions> = {}) {
    this.options = { ...DEFAULT_TRACKER_OPTIONS, ...options };
  }

  /** Live tracks, lost ones included, in creation order. */
  liveTracks(): readonly TrackState[] {
    return this.tracks;
  }

  seenThisFrame(track: TrackState): boolean {
    return track.lastFrame === this.frame;
  }

  update(t: number, frame: FrameMeta, detections: readonly TrackInput[]): void {
    this.frame++;
    for (const tr of this.tracks) tr.framesAlive++;
    const labels = new Set<string>();
    for (const d of detections) labels.add(d.label);
    for (const tr of this.tracks) labels.add(tr.label);
    for (const label of labels) {
      this.updateClass(
        label,
        t,
        frame,
        this.tracks.filter((tr) => tr.label === label),
        detections.filter((d) => d.label === label),
      );
    }
    this.prune(t);
  }

  private affinity(track: TrackState, box: BoxXYXY, t: number): number {
    if (track.stationary) {
      const o = iou(box, steadyBox(track));
      return o >= this.options.stationaryMatchIou ? o : 0;
    }
    const dt = Math.min(Math.max(t - track.lastSeenS, 0), this.options.maxPredictSeconds);
    const dx = track.vx * dt;
    const dy = track.vy * dt;
    const b = track.box;
    const predicted: BoxXYXY = [b[0] + dx, b[1] + dy, b[2] + dx, b[3] + dy];
    const o = Math.max(iou(box, predicted), iou(box, b));
    return o >= this.options.matchIou ? o : 0;
  }

  private pairs(
    tracks: readonly TrackState[],
    dets: readonly TrackInput[],
    idx: readonly number[],
    t: number,
  ) {
    const out: MatchPair[] = [];
    tracks.forEach((tr, ti) => {
      for (const di of idx) {
        const score = this.affinity(tr, dets[di]!.box, t);
        if (score > 0) out.push({ track: ti, detection: di, score });
      }
    });
    return out;
  }

  private updateClass(
    label: string,
    t: number,
    frame: FrameMeta,
    tracks: TrackState[],
    dets: TrackInput[],
  ): void {
    const high: number[] = [];
    const low: number[] = [];
    const startScore = this.startScore(label);
    dets.forEach((d, i) => {
      if (d.score >= startScore) high.push(i);
      else if (d.score >= this.options.lowScore) low.push(i);
    });

    const first = greedyMatch(this.pairs(tracks, dets, high, t));
    const matchedTracks = new Set(first.map((m) => m.track));
    const rest = tracks.filter((_, i) => !matchedTracks.has(i));
    const second = greedyMatch(this.pairs(rest, dets, low, t));

    const matchedNow: TrackState[] = [];
    for (const m of first) {
      this.hit(tracks[m.track]!, dets[m.detection]!, t, frame);
      matchedNow.push(tracks[m.track]!);
    }
    for (const m of second) {
      this.hit(rest[m.track]!, dets[m.detection]!, t, frame);
      matchedNow.push(rest[m.track]!);
    }

    const usedDets = new Set(first.map((m) => m.detection));
    for (const di of high) {
      if (usedDets.has(di)) continue;
      const d = dets[di]!;
      if (matchedNow.some((tr) => iou(tr.box, d.box) > this.options.duplicateIou)) continue;
      const created = this.create(d, t, frame);
      matchedNow.push(created);
    }
  }

  private startScore(label: string): number {
    const own = this.options.startScores[label];
    return own === undefined ? this.options.highScore : Math.min(own, this.options.highScore);
  }

  private create(d: TrackInput, t: number, frame: FrameMeta): TrackState {
    const ref = frameRef(frame, d);
    const track: TrackState = {
      id: `t${this.nextId++}`,
      label: d.label,
      firstSeenS: t,
      lastSeenS: t,
      lastFrame: this.frame,
      hits: 1,
      framesAlive: 1,
      box: [...d.box],
      vx: 0,
      vy: 0,
      history: [],
      pending: [],
      stillSince: t,
      stationary: false,
      stationarySince: null,
      appearance: null,
      scoreHistogram: emptyScoreHistogram(),
      first: ref,
      start: ref,
      last: ref,
      best: ref,
      bestQuality: quality(d.box, d.score, frame),
    };
    addScore(track.scoreHistogram, d.score);
    observeStillness(track, { t, ref, ...(d.appearance ? { appearance: d.appearance } : {}) }, this.options);
    this.tracks.push(track);
    return track;
  }

  private hit(track: TrackState, d: TrackInput, t: number, frame: FrameMeta): void {
    const ref = frameRef(frame, d);
    const dt = t - track.lastSeenS;
    if (!track.stationary && dt > 0) {
      const [cx, cy] = centre(d.box);
      const [px, py] = centre(track.box);
      const vx = (cx - px) / dt;
      const vy = (cy - py) / dt;
      track.vx = track.hits > 1 ? track.vx * (1 - VELOCITY_WEIGHT) + vx * VELOCITY_WEIGHT : vx;
      track.vy = track.hits > 1 ? track.vy * (1 - VELOCITY_WEIGHT) + vy * VELOCITY_WEIGHT : vy;
    }
    track.box = [...d.box];
    track.lastSeenS = t;
    track.lastFrame = this.frame;
    track.hits++;
    track.last = ref;
    addScore(track.scoreHistogram, d.score);
    const q = quality(d.box, d.score, frame);
    if (q > track.bestQuality) {
      track.bestQuality = q;
      track.best = ref;
    }
    observeStillness(track, { t, ref, ...(d.appearance ? { appearance: d.appearance } : {}) }, this.options);
  }

  private prune(t: number): void {
    this.tracks = this.tracks.filter((tr) => {
      const limit = tr.stationary ? this.options.maxLostStationarySeconds : this.options.maxLostSeconds;
      return t - tr.lastSeenS <= limit;
    });
  }

  snapshot(): TrackerSnapshot {
    return structuredClone({ version: 1, nextId: this.nextId, frame: this.frame, tracks: this.tracks });
  }

  restore(snapshot: TrackerSnapshot): void {
    if (
      !snapshot ||
      snapshot.version !== 1 ||
      !Array.isArray(snapshot.tracks) ||
      !Number.isInteger(snapshot.nextId) ||
      !Number.isInteger(snapshot.frame)
    ) {
      throw new InvalidInputError('tracker snapshot is not a version-1 snapshot');
    }
    const copy = structuredClone(snapshot);
    this.tracks = copy.tracks;
    this.nextId = copy.nextId;
    this.frame = copy.frame;
  }
}
