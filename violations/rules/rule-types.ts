import type { BoxXYXY } from '../../detector/types.js';
import type { LatLon } from '../../video/geo/index.js';
import type { RuleParams } from '../config/rule-params.js';
import type { DronePose, GroundLocator } from '../ground/ground-locator.js';
import type { FrameMeta, TrackState } from '../tracker/track-types.js';
import type { FrameRef, RuleType, ViolationPolygon } from '../violation-types.js';
import type { ZoneIndex } from '../zones/zone-index.js';

/** Where a candidate is, for matching it to an open violation or a suppression. */
export interface PlaceAnchor {
  /** Image pixels (cameras). */
  box?: BoxXYXY;
  /** Normalised image point the place key is cut from. */
  point?: [number, number];
  ground?: LatLon;
  groundPolygon?: LatLon[];
}

/**
 * What a rule saw this frame at one place. `met` opens a violation; an unmet candidate only
 * keeps an already open one at the same place alive (a re-found track, a re-flown patch).
 */
export interface ViolationCandidate {
  type: RuleType;
  zoneId: string;
  met: boolean;
  /** Engine timeline. */
  timeS: number;
  /** When the condition began (dwell start); becomes the violation's firstSeenS. */
  sinceS: number;
  trackIds: string[];
  anchor: PlaceAnchor;
  start?: FrameRef;
  current: FrameRef;
  best?: FrameRef;
  bestQuality: number;
  confidence: number;
  ground?: LatLon;
  areaM2?: number;
  polygon?: ViolationPolygon;
  ruleParams: RuleParams;
}

export interface RuleContext {
  timeS: number;
  frame: FrameMeta;
  tracks: readonly TrackState[];
  seenThisFrame(track: TrackState): boolean;
  zones: ZoneIndex;
  locator: GroundLocator;
  pose?: DronePose;
  /** Engine time enforcement last switched on; null while the rule's schedule is off. */
  enforcedSince: number | null;
}
