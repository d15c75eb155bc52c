import type { BinOverflowParams } from '../config/rule-params.js';
import type { TrackState } from '../tracker/track-types.js';
import { touchedBin } from './bin-contact.js';
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
      const place = this.overflowPlace(track, ctx);
      if (!place) continue;
      alive.add(track.id);
      const c = this.candidateFor(track, place, ctx, enforcedSince);
      if (c) out.push(c);
    }
    this.windowStarts.keepOnly(alive);
    return out;
  }

  /**
   * Where an overflow is, or null when the track is none: the bin it touches, else an overflow
   * seen without its bin where it is. One place per bin makes the heap on a bin, the bags beside
   * it and the bin read as overflowing one case, in the bin station's zone.
   */
  private overflowPlace(track: TrackState, ctx: RuleContext): TrackState | null {
    if (track.label !== 'bin_overflow' && track.label !== 'garbage_pile') return null;
    const bin = touchedBin(track, ctx.tracks);
    if (bin) return bin;
    return track.label === 'bin_overflow' ? track : null;
  }

  private candidateFor(
    track: TrackState,
    place: TrackState,
    ctx: RuleContext,
    enforcedSince: number,
  ): ViolationCandidate | null {
    if (!ctx.seenThisFrame(track) || !passesTrackGates(track, this.params, ctx.timeS)) return null;
    const foot = trackFoot(place, ctx);
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
