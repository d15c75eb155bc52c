import type { BinOverflowParams } from '../config/rule-params.js';
import type { TrackState } from '../tracker/track-types.js';
import { touchesBin } from './bin-contact.js';
import type { RuleContext, ViolationCandidate } from './rule-types.js';
import { passesTrackGates, presenceRatio } from './track-gates.js';
import { dwellStart, trackCandidate, trackFoot } from './track-candidate.js';
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
    const foot = trackFoot(track, ctx);
    if (!foot) return null;
    const zone =
      ctx.zones.firstAt(foot.xn, foot.yn, ['bin_area']) ??
      ctx.zones.firstAt(foot.xn, foot.yn, [
        'pavement',
        'roadway',
        'no_parking',
        'construction_site',
        'vending_allowed',
      ]);
    const { sinceS, start } = dwellStart(
      track,
      track.firstSeenS,
      track.first,
      enforcedSince,
      this.windowStarts,
    );
    const met =
      ctx.timeS - sinceS >= this.params.minDwellSeconds &&
      presenceRatio(track) >= this.params.minPresenceRatio;
    return trackCandidate(track, ctx, foot, {
      type: 'bin_overflow',
      zoneId: zone?.id ?? 'frame',
      met,
      sinceS,
      start,
      ruleParams: this.params,
    });
  }

  snapshot(): unknown {
    return this.windowStarts.snapshot();
  }

  restore(s: unknown): void {
    this.windowStarts.restore(s as Parameters<WindowStartRefs['restore']>[0]);
  }
}
