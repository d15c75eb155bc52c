import type { BoxXYXY } from '../../../detector/types.js';
import { polygonAreaM2 } from '../../../video/geo/index.js';
import type { ExposedSoilParams } from '../../config/rule-params.js';
import type { Zone } from '../../config/source-config.js';
import { polygonCentroid } from '../../geometry/polygon.js';
import type { GroundLocator } from '../../ground/ground-locator.js';
import type { FrameRef } from '../../violation-types.js';
import type { RuleContext, ViolationCandidate } from '../rule-types.js';
import type { BareSoilMask } from './bare-soil-mask.js';
import type { ZoneRaster } from './zone-raster.js';

interface ZoneStreak {
  streak: number;
  since: number;
  start?: FrameRef;
  best?: FrameRef;
  bestFraction: number;
}

function zoneBox(zone: Zone, width: number, height: number): BoxXYXY {
  const xs = zone.polygon.map((p) => p[0] * width);
  const ys = zone.polygon.map((p) => p[1] * height);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

function zoneGroundAreaM2(zone: Zone, locator: GroundLocator): number | undefined {
  const pts: { eastM: number; northM: number }[] = [];
  for (const [x, y] of zone.polygon) {
    const m = locator.imageToCalibratedMetres(x, y);
    if (!m) return undefined;
    pts.push({ eastM: m[0], northM: m[1] });
  }
  return polygonAreaM2(pts);
}

/**
 * A fixed camera cannot measure m² without calibration, so it judges the bare share of each
 * `construction_site` zone, and needs it on several consecutive segmented frames.
 */
export class CameraSoilRule {
  private streaks: Record<string, ZoneStreak> = {};

  constructor(
    readonly params: ExposedSoilParams,
    private readonly raster: ZoneRaster,
  ) {}

  evaluate(ctx: RuleContext, mask: BareSoilMask | null): ViolationCandidate[] {
    if (!this.params.enabled || ctx.enforcedSince === null) {
      this.streaks = {};
      return [];
    }
    if (!mask) return [];
    const out: ViolationCandidate[] = [];
    for (const zone of ctx.zones.ofType('construction_site')) {
      const c = this.observeZone(zone, mask, ctx);
      if (c) out.push(c);
    }
    return out;
  }

  private observeZone(zone: Zone, mask: BareSoilMask, ctx: RuleContext): ViolationCandidate | null {
    const { width, height, data } = mask;
    const spans = this.raster.spans(zone, width, height);
    let total = 0;
    let bare = 0;
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (let i = 0; i < spans.length; i += 3) {
      const row = spans[i]!;
      const off = row * width;
      for (let x = spans[i + 1]!; x < spans[i + 2]!; x++) {
        total++;
        if (data[off + x] !== 1) continue;
        bare++;
        if (x < minX) minX = x;
        if (x + 1 > maxX) maxX = x + 1;
        if (row < minY) minY = row;
        if (row + 1 > maxY) maxY = row + 1;
      }
    }
    const fraction = total > 0 ? bare / total : 0;
    const prev = this.streaks[zone.id];
    if (fraction < this.params.minZoneFraction) {
      delete this.streaks[zone.id];
      return null;
    }
    const sx = ctx.frame.width / width;
    const sy = ctx.frame.height / height;
    const current: FrameRef = {
      ptsS: ctx.frame.ptsS,
      box: [minX * sx, minY * sy, maxX * sx, maxY * sy],
      score: fraction,
      ...(ctx.frame.frameIndex !== undefined ? { frameIndex: ctx.frame.frameIndex } : {}),
      ...(ctx.frame.wallClockMs !== undefined ? { wallClockMs: ctx.frame.wallClockMs } : {}),
    };
    const st: ZoneStreak = prev ?? { streak: 0, since: ctx.timeS, start: current, bestFraction: -1 };
    st.streak++;
    if (fraction > st.bestFraction) {
      st.bestFraction = fraction;
      st.best = current;
    }
    this.streaks[zone.id] = st;

    const centroid = polygonCentroid(zone.polygon);
    const zoneArea = zoneGroundAreaM2(zone, ctx.locator);
    const ground = ctx.locator.locate(
      centroid[0] * ctx.frame.width,
      centroid[1] * ctx.frame.height,
      ctx.frame.width,
      ctx.frame.height,
    );
    const candidate: ViolationCandidate = {
      type: 'exposed_soil',
      zoneId: zone.id,
      met: st.streak >= this.params.minObservations,
      timeS: ctx.timeS,
      sinceS: st.since,
      trackIds: [],
      anchor: { box: zoneBox(zone, ctx.frame.width, ctx.frame.height), point: [centroid[0], centroid[1]] },
      current,
      bestQuality: st.bestFraction,
      // Segmentation has no per-patch score; consistency over frames is what we can vouch for.
      confidence: 0.5 + 0.5 * Math.min(1, st.streak / (2 * this.params.minObservations)),
      polygon: { space: 'image', points: zone.polygon.map(([x, y]) => [x, y]) },
      ruleParams: this.params,
    };
    if (st.start) candidate.start = st.start;
    if (st.best) candidate.best = st.best;
    if (zoneArea !== undefined) candidate.areaM2 = zoneArea * fraction;
    if (ground) candidate.ground = ground;
    return candidate;
  }

  snapshot(): unknown {
    return structuredClone(this.streaks);
  }

  restore(s: unknown): void {
    this.streaks = s && typeof s === 'object' ? (structuredClone(s) as Record<string, ZoneStreak>) : {};
  }
}
