import { clipBox, isFiniteBox } from '../detector/box-geometry.js';
import { DETECTION_LABELS } from '../detector/canonical-labels.js';
import type { BoxXYXY, Detection } from '../detector/types.js';
import type { TrackInput } from './tracker/track-types.js';
import { normaliseAppearance } from './tracker/appearance.js';
import type { ZoneIndex } from './zones/zone-index.js';

/** Counters for everything the engine dropped or repaired; plain data, kept in snapshots. */
export interface EngineDiagnostics {
  frames: number;
  badFrames: number;
  clockJumps: number;
  detections: number;
  accepted: number;
  malformed: number;
  unknownLabel: number;
  badScore: number;
  lowScore: number;
  nonFiniteBox: number;
  emptyBox: number;
  outsideFrame: number;
  clippedBox: number;
  masked: number;
  badAppearance: number;
  badSegmentation: number;
  soilWithoutPose: number;
  badPose: number;
  suppressed: number;
}

export function emptyDiagnostics(): EngineDiagnostics {
  return {
    frames: 0,
    badFrames: 0,
    clockJumps: 0,
    detections: 0,
    accepted: 0,
    malformed: 0,
    unknownLabel: 0,
    badScore: 0,
    lowScore: 0,
    nonFiniteBox: 0,
    emptyBox: 0,
    outsideFrame: 0,
    clippedBox: 0,
    masked: 0,
    badAppearance: 0,
    badSegmentation: 0,
    soilWithoutPose: 0,
    badPose: 0,
    suppressed: 0,
  };
}

const KNOWN_LABELS: ReadonlySet<string> = new Set(DETECTION_LABELS);

function readBox(raw: unknown): BoxXYXY | null {
  if (!Array.isArray(raw) || raw.length !== 4) return null;
  const b = raw.map((v: unknown) => (typeof v === 'number' ? v : NaN)) as BoxXYXY;
  return isFiniteBox(b) ? b : null;
}

/**
 * Turns whatever the detector stage handed over into tracker input, never throwing: unusable
 * detections are counted and dropped, boxes poking out of the frame are clipped, and boxes whose
 * bottom-centre lies in a mask zone (timestamps, logos, a neighbour's window) are ignored.
 */
export function intakeDetections(
  detections: readonly Detection[] | undefined,
  appearance: readonly (ArrayLike<number> | undefined)[] | undefined,
  width: number,
  height: number,
  lowScore: number,
  zones: ZoneIndex,
  diag: EngineDiagnostics,
): TrackInput[] {
  const out: TrackInput[] = [];
  if (!Array.isArray(detections)) return out;
  const looks = Array.isArray(appearance) ? appearance : undefined;
  detections.forEach((d: unknown, i) => {
    diag.detections++;
    if (!d || typeof d !== 'object') {
      diag.malformed++;
      return;
    }
    const det = d as Partial<Detection>;
    const label = det.canonical;
    if (typeof label !== 'string' || !KNOWN_LABELS.has(label)) {
      diag.unknownLabel++;
      return;
    }
    const score = det.score;
    if (typeof score !== 'number' || !Number.isFinite(score) || score < 0 || score > 1) {
      diag.badScore++;
      return;
    }
    if (score < lowScore) {
      diag.lowScore++;
      return;
    }
    const raw = readBox(det.box);
    if (!raw) {
      diag.nonFiniteBox++;
      return;
    }
    if (!(raw[2] > raw[0] && raw[3] > raw[1])) {
      diag.emptyBox++;
      return;
    }
    const box = clipBox(raw, width, height);
    if (!(box[2] > box[0] && box[3] > box[1])) {
      diag.outsideFrame++;
      return;
    }
    if (box.some((v, k) => v !== raw[k])) diag.clippedBox++;
    if (zones.isMasked((box[0] + box[2]) / 2 / width, box[3] / height)) {
      diag.masked++;
      return;
    }
    const input: TrackInput = { label, score, box };
    const look = looks?.[i];
    if (look !== undefined && look !== null) {
      const v = normaliseAppearance(look);
      if (v) input.appearance = v;
      else diag.badAppearance++;
    }
    diag.accepted++;
    out.push(input);
  });
  return out;
}
