import type { DetectionLabel } from '../../detector/canonical-labels.js';
import type { TrackRuleParams } from '../config/rule-params.js';
import type { TrackState } from '../tracker/track-types.js';
import type { RuleType } from '../violation-types.js';
import type { RuleContext, ViolationCandidate } from './rule-types.js';
import { passesTrackGates } from './track-gates.js';
import { dwellStart, trackCandidate, trackFoot } from './track-candidate.js';
import { WindowStartRefs } from './window-start-refs.js';

export interface DwellRuleSpec {
  type: Extract<RuleType, 'illegal_parking' | 'street_vendor' | 'garbage_pile'>;
  label: DetectionLabel;
  /** Zone id the object at the normalised point counts in, or null where the rule does not apply. */
  zoneFor(xn: number, yn: number, track: TrackState, ctx: RuleContext): string | null;
}

/**
 * A stationary object of one class in the right kind of zone for long enough: parking, vendors
 * and loose rubbish differ only in label, zones and threshold. The dwell clock is the tracker's
 * `stationarySince` (or the start of enforcement hours, if later), so nothing here counts frames.
 */
export class DwellRule {
  private readonly windowStarts = new WindowStartRefs();

  constructor(
    readonly spec: DwellRuleSpec,
    readonly params: TrackRuleParams,
  ) {}

  evaluate(ctx: RuleContext): ViolationCandidate[] {
    const enforcedSince = ctx.enforcedSince;
    if (!this.params.enabled || enforcedSince === null) {
      this.windowStarts.clear();
      return [];
    }
    const out: ViolationCandidate[] = [];
    const alive = new Set<string>();
    for (const track of ctx.tracks) {
      if (track.label !== this.spec.label) continue;
      alive.add(track.id);
      const candidate = this.candidateFor(track, ctx, enforcedSince);
      if (candidate) out.push(candidate);
    }
    this.windowStarts.keepOnly(alive);
    return out;
  }

  private candidateFor(
    track: TrackState,
    ctx: RuleContext,
    enforcedSince: number,
  ): ViolationCandidate | null {
    const stationarySince = track.stationarySince;
    if (!ctx.seenThisFrame(track) || !track.stationary || stationarySince === null) return null;
    if (!passesTrackGates(track, this.params, ctx.timeS)) return null;
    const foot = trackFoot(track, ctx);
    if (!foot) return null;
    const zoneId = this.spec.zoneFor(foot.xn, foot.yn, track, ctx);
    if (zoneId === null) return null;

    const { sinceS, start } = dwellStart(
      track,
      stationarySince,
      track.start,
      enforcedSince,
      this.windowStarts,
    );
    return trackCandidate(track, ctx, foot, {
      type: this.spec.type,
      zoneId,
      met: ctx.timeS - sinceS >= this.params.minDwellSeconds,
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
