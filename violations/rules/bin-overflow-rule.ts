import type { BinOverflowParams } from '../config/rule-params.js';
import { steadyBox } from '../tracker/stationary.js';
import type { TrackState } from '../tracker/track-types.js';
import { touchesBin } from './bin-contact.js';
import type { RuleContext, ViolationCandidate } from './rule-types.js';
import { passesTrackGates, presenceRatio, trackConfidence } from './track-gates.js';
import { WindowStartRefs } from './window-start-refs.js';

/**
 * An overflowing bin (or a pile against a bin) seen consistently: a share of the frames since it
 * appeared, over a minimum time. A person walking in front hides it for a frame or two, which
 * barely moves the share; a passing misdetection never lives long enough.
 */
export class BinOverflowRule {
  private readonly windowStarts = new WindowStartRefs();

  constructor(readonly params: BinOverflowParams) {}

  evaluate(ctx: RuleContext): ViolationCandidate[] {
    const enforcedSince = ctx.enforcedSince;
    if (!this.params.enabled || enforcedSince === null) {
      this.windowStarts.clear();
      return [];
    }
    const out: ViolationCandidate[] = [];
    const alive = new Set<string>();
    for (const track of ctx.tracks) {
      if (!this.isOverflow(track, ctx)) continue;
      alive.add(track.id);
      const c = this.candidateFor(track, ctx, enforcedSince);
      if (c) out.push(c);
    }
    this.windowStarts.keepOnly(alive);
    return out;
  }

  private isOverflow(track: TrackState, ctx: RuleContext): boolean {
    if (track.label === 'bin_overflow') return true;
    return track.label === 'garbage_pile' && touchesBin(track, ctx.tracks);
  }

  private candidateFor(
    track: TrackState,
    ctx: RuleContext,
    enforcedSince: number,
  ): ViolationCandidate | null {
    if (!ctx.seenThisFrame(track) || !passesTrackGates(track, this.params, ctx.timeS)) return null;
    const box = steadyBox(track);
    const { width, height } = ctx.frame;
    const u = (box[0] + box[2]) / 2;
    const v = box[3];
    const xn = u / width;
    const yn = v / height;
    if (ctx.zones.isMasked(xn, yn)) return null;
    const zone =
      ctx.zones.firstAt(xn, yn, ['bin_area']) ??
      ctx.zones.firstAt(xn, yn, [
        'pavement',
        'roadway',
        'no_parking',
        'construction_site',
        'vending_allowed',
      ]);
    const sinceS = Math.max(track.firstSeenS, enforcedSince);
    const start =
      track.firstSeenS >= enforcedSince
        ? track.first
        : this.windowStarts.refFor(track.id, sinceS, track.last);
    const ground = ctx.locator.locate(u, v, width, height, ctx.pose);
    const met =
      ctx.timeS - sinceS >= this.params.minDwellSeconds &&
      presenceRatio(track) >= this.params.minPresenceRatio;
    const candidate: ViolationCandidate = {
      type: 'bin_overflow',
      zoneId: zone?.id ?? 'frame',
      met,
      timeS: ctx.timeS,
      sinceS,
      trackIds: [track.id],
      anchor: { box, point: [xn, yn], ...(ground ? { ground } : {}) },
      start,
      current: track.last,
      best: track.best,
      bestQuality: track.bestQuality,
      confidence: trackConfidence(track),
      ruleParams: this.params,
    };
    if (ground) candidate.ground = ground;
    return candidate;
  }

  snapshot(): unknown {
    return this.windowStarts.snapshot();
  }

  restore(s: unknown): void {
    this.windowStarts.restore(s as Parameters<WindowStartRefs['restore']>[0]);
  }
}
