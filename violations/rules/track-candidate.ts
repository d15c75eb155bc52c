import type { BoxXYXY } from '../../detector/types.js';
import type { LatLon } from '../../video/geo/index.js';
import type { TrackRuleParams } from '../config/rule-params.js';
import { steadyBox } from '../tracker/stationary.js';
import type { TrackState } from '../tracker/track-types.js';
import type { FrameRef, RuleType } from '../violation-types.js';
import type { RuleContext, ViolationCandidate } from './rule-types.js';
import { trackConfidence } from './track-gates.js';
import type { WindowStartRefs } from './window-start-refs.js';

/** Where a tracked object stands: its steady box and the bottom-centre zones are tested at. */
export interface TrackFoot {
  box: BoxXYXY;
  /** Bottom-centre in image pixels. */
  u: number;
  v: number;
  /** The same, normalised to the frame. */
  xn: number;
  yn: number;
}

/** The track's foot point, or null when it stands in a mask zone (the rules ignore it there). */
export function trackFoot(track: TrackState, ctx: RuleContext): TrackFoot | null {
  const box = steadyBox(track);
  const { width, height } = ctx.frame;
  const u = (box[0] + box[2]) / 2;
  const v = box[3];
  const xn = u / width;
  const yn = v / height;
  return ctx.zones.isMasked(xn, yn) ? null : { box, u, v, xn, yn };
}

export interface TrackCandidateFields {
  type: RuleType;
  zoneId: string;
  met: boolean;
  sinceS: number;
  start: FrameRef;
  ruleParams: TrackRuleParams;
}

/** A candidate for one track at its foot point; the rule decides zone, start and whether it is met. */
export function trackCandidate(
  track: TrackState,
  ctx: RuleContext,
  foot: TrackFoot,
  fields: TrackCandidateFields,
): ViolationCandidate {
  const ground: LatLon | undefined = ctx.locator.locate(
    foot.u,
    foot.v,
    ctx.frame.width,
    ctx.frame.height,
    ctx.pose,
  );
  const candidate: ViolationCandidate = {
    type: fields.type,
    zoneId: fields.zoneId,
    met: fields.met,
    timeS: ctx.timeS,
    sinceS: fields.sinceS,
    trackIds: [track.id],
    anchor: { box: foot.box, point: [foot.xn, foot.yn], ...(ground ? { ground } : {}) },
    start: fields.start,
    current: track.last,
    best: track.best,
    bestQuality: track.bestQuality,
    confidence: trackConfidence(track),
    ruleParams: fields.ruleParams,
  };
  if (ground) candidate.ground = ground;
  return candidate;
}

/**
 * When the dwell clock runs from, and the photo for it: the condition's own start (`since`,
 * photographed by `ref`), or the start of enforcement hours if later, photographed by the first
 * frame inside them.
 */
export function dwellStart(
  track: TrackState,
  since: number,
  ref: FrameRef,
  enforcedSince: number,
  windowStarts: WindowStartRefs,
): { sinceS: number; start: FrameRef } {
  const sinceS = Math.max(since, enforcedSince);
  const start = since >= enforcedSince ? ref : windowStarts.refFor(track.id, sinceS, track.last);
  return { sinceS, start };
}
