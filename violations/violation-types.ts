import type { BoxXYXY } from '../detector/types.js';
import type { LatLon } from '../video/geo/index.js';
import type { RuleParams } from './config/rule-params.js';

export const RULE_TYPES = [
  'illegal_parking',
  'street_vendor',
  'bin_overflow',
  'exposed_soil',
  'garbage_pile',
] as const;
export type RuleType = (typeof RULE_TYPES)[number];

/** A frame to cut evidence from: the stream timestamp (not the engine timeline) and the box. */
export interface FrameRef {
  ptsS: number;
  frameIndex?: number;
  wallClockMs?: number;
  /** Image pixels of that frame. */
  box: BoxXYXY;
  score: number;
}

export interface ViolationEvidence {
  /** When the dwell clock started (the object already standing there). */
  start?: FrameRef;
  /** The frame on which the threshold was crossed and the violation opened. */
  threshold?: FrameRef;
  /** Highest score × size, not cut by the frame edge. */
  best?: FrameRef;
}

/** Ground polygons are lat/lon; image polygons are fractions of the frame width and height. */
export type ViolationPolygon =
  { space: 'ground'; points: LatLon[] } | { space: 'image'; points: [number, number][] };

export interface Violation {
  /** Deterministic: `${sourceId}:${placeKey}:${round(firstSeenS)}`. */
  id: string;
  type: RuleType;
  sourceId: string;
  /** Config zone id; `frame` when the rule applies anywhere, `ground` for merged drone patches. */
  zoneId: string;
  /** `${type}:${zoneId}:${place}`: what dedupe and `suppress()` key on. */
  placeKey: string;
  trackIds: string[];
  /**
   * Engine timeline seconds: the stream's pts until a clock discontinuity, after which the engine
   * keeps counting on from where it was (see README). Evidence frames carry real pts.
   */
  firstSeenS: number;
  lastSeenS: number;
  dwellS: number;
  evidence: ViolationEvidence;
  /** 0–1, from track statistics (median score, how consistently it was seen). */
  confidence: number;
  ground?: LatLon;
  areaM2?: number;
  polygon?: ViolationPolygon;
  ruleParams: RuleParams;
}

export type ViolationEventKind = 'opened' | 'updated' | 'closed';
export type CloseReason = 'ended' | 'suppressed' | 'end_of_stream';

export interface ViolationEvent {
  kind: ViolationEventKind;
  /** A copy: safe to keep. */
  violation: Violation;
  reason?: CloseReason;
}
