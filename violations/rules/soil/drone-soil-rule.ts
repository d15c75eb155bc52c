import { findMaskRegions, type Region } from '../../../detector/mask-regions.js';
import type { BoxXYXY } from '../../../detector/types.js';
import {
  groundOffsetToLatLon,
  latLonToGroundOffset,
  pixelToGround,
  type LatLon,
} from '../../../video/geo/index.js';
import type { ExposedSoilParams } from '../../config/rule-params.js';
import type { Vec2 } from '../../geometry/polygon.js';
import { isUsablePose, type DronePose } from '../../ground/ground-locator.js';
import type { FrameRef } from '../../violation-types.js';
import type { RuleContext, ViolationCandidate } from '../rule-types.js';
import type { BareSoilMask } from './bare-soil-mask.js';
import { GroundCellMap, type CellCluster, type GroundCellMapSnapshot } from './ground-cell-map.js';

/** Specks below this many pixels are segmentation noise at any flying height. */
const MIN_REGION_PX = 4;

interface ProjectedPatch {
  box: BoxXYXY;
  /** Flat [ix, iy, ...] ground cells. */
  cells: number[];
}

export interface DroneSoilSnapshot {
  origin: LatLon | null;
  map: GroundCellMapSnapshot;
}

/**
 * Bare soil seen from a drone: each frame's patches are projected to the ground with the frame's
 * pose, accumulated on a ground grid around the flight's first position, and the confirmed cells
 * are grouped into patches whose area, centroid and outline are measured on the ground. The
 * same soil seen in hundreds of frames is therefore one patch; dedupe matches it by position.
 */
export class DroneSoilRule {
  private origin: LatLon | null = null;
  private readonly cells: GroundCellMap;

  constructor(readonly params: ExposedSoilParams) {
    this.cells = new GroundCellMap(params.cellSizeM);
  }

  evaluate(ctx: RuleContext, mask: BareSoilMask | null): ViolationCandidate[] {
    if (!this.params.enabled || ctx.enforcedSince === null || !mask || !isUsablePose(ctx.pose)) return [];
    const pose = ctx.pose;
    this.origin ??= { lat: pose.camera.lat, lon: pose.camera.lon };
    const regions = findMaskRegions(mask.data, mask.width, mask.height, 1, {
      minArea: MIN_REGION_PX,
      simplifyTolerance: 1,
    });
    this.cells.beginFrame();
    const patches = regions
      .map((r) => this.project(r, mask, ctx, pose, this.origin!))
      .filter((p): p is ProjectedPatch => p !== null);
    const gap = this.params.mergeGapM / this.params.cellSizeM;
    return this.cells
      .clusters(this.params.minObservations, gap)
      .map((cluster) => this.candidate(cluster, patches, ctx, this.origin!));
  }

  private project(
    region: Region,
    mask: BareSoilMask,
    ctx: RuleContext,
    pose: DronePose,
    origin: LatLon,
  ): ProjectedPatch | null {
    const k = pose.intrinsics;
    const base = latLonToGroundOffset(origin, pose.camera);
    const ground: Vec2[] = [];
    for (const [x, y] of region.polygon) {
      const g = pixelToGround((x * k.width) / mask.width, (y * k.height) / mask.height, pose.camera, k);
      if (!g) return null;
      ground.push([base.eastM + g.eastM, base.northM + g.northM]);
    }
    const cells = this.cells.addPolygon(ground);
    if (!cells) return null;
    const sx = ctx.frame.width / mask.width;
    const sy = ctx.frame.height / mask.height;
    const b = region.box;
    return { box: [b[0] * sx, b[1] * sy, b[2] * sx, b[3] * sy], cells };
  }

  private candidate(
    cluster: CellCluster,
    patches: readonly ProjectedPatch[],
    ctx: RuleContext,
    origin: LatLon,
  ): ViolationCandidate {
    const shape = this.cells.describe(cluster);
    let box: BoxXYXY | null = null;
    for (const p of patches) {
      if (!this.touches(p, cluster.id)) continue;
      box = box
        ? [
            Math.min(box[0], p.box[0]),
            Math.min(box[1], p.box[1]),
            Math.max(box[2], p.box[2]),
            Math.max(box[3], p.box[3]),
          ]
        : [...p.box];
    }
    const toLatLon = ([e, n]: Vec2): LatLon => groundOffsetToLatLon(origin.lat, origin.lon, e, n);
    const ground = toLatLon(shape.centroid);
    const polygon = shape.outline.map(toLatLon);
    // How much of the patch this frame shows: the best evidence photo is the one showing most of it.
    const coverage = cluster.seenThisFrame / (cluster.cells.length / 2);
    const current: FrameRef = {
      ptsS: ctx.frame.ptsS,
      box: box ?? [0, 0, ctx.frame.width, ctx.frame.height],
      score: coverage,
      ...(ctx.frame.frameIndex !== undefined ? { frameIndex: ctx.frame.frameIndex } : {}),
      ...(ctx.frame.wallClockMs !== undefined ? { wallClockMs: ctx.frame.wallClockMs } : {}),
    };
    return {
      type: 'exposed_soil',
      zoneId: 'ground',
      met: shape.areaM2 >= this.params.minAreaM2,
      timeS: ctx.timeS,
      sinceS: ctx.timeS,
      trackIds: [],
      anchor: { ground, groundPolygon: polygon },
      current,
      best: current,
      bestQuality: coverage,
      confidence: Math.min(1, 0.5 + shape.meanHits / (4 * this.params.minObservations)),
      ground,
      areaM2: shape.areaM2,
      polygon: { space: 'ground', points: polygon },
      ruleParams: this.params,
    };
  }

  private touches(patch: ProjectedPatch, clusterId: number): boolean {
    const c = patch.cells;
    for (let k = 0; k < c.length; k += 2)
      if (this.cells.clusterAt(c[k]!, c[k + 1]!) === clusterId) return true;
    return false;
  }

  snapshot(): DroneSoilSnapshot {
    return { origin: this.origin ? { ...this.origin } : null, map: this.cells.snapshot() };
  }

  restore(s: DroneSoilSnapshot | undefined): void {
    this.origin = s?.origin ? { lat: s.origin.lat, lon: s.origin.lon } : null;
    this.cells.restore(s?.map ?? { cellSizeM: this.params.cellSizeM, cells: [] });
  }
}
