import { iou } from '../../detector/box-geometry.js';
import { distanceM, latLonToGroundOffset } from '../../video/geo/index.js';
import { pointInPolygon, type Vec2 } from '../geometry/polygon.js';
import type { PlaceAnchor } from '../rules/rule-types.js';

export interface PlaceOptions {
  /** Camera: boxes overlapping at least this much are the same place (two cars side by side are not). */
  placeIou: number;
  /** Drone: ground positions this close are the same place. */
  groundRadiusM: number;
  /** Camera: the place key's grid cell, as a fraction of the frame. */
  placeCellFraction: number;
}

function insideGroundPolygon(p: PlaceAnchor, poly: PlaceAnchor['groundPolygon']): boolean {
  if (!p.ground || !poly || poly.length < 3) return false;
  const origin = p.ground;
  const local: Vec2[] = poly.map((q) => {
    const o = latLonToGroundOffset(origin, q);
    return [o.eastM, o.northM];
  });
  return pointInPolygon(0, 0, local);
}

/**
 * Same physical place? Drones compare ground positions (a patch's centroid drifts as more of
 * it comes into view, so lying inside the other's outline also counts); cameras compare boxes.
 */
export function samePlace(a: PlaceAnchor, b: PlaceAnchor, useGround: boolean, opts: PlaceOptions): boolean {
  if (useGround && a.ground && b.ground) {
    return (
      distanceM(a.ground, b.ground) <= opts.groundRadiusM ||
      insideGroundPolygon(a, b.groundPolygon) ||
      insideGroundPolygon(b, a.groundPolygon)
    );
  }
  if (a.box && b.box) return iou(a.box, b.box) >= opts.placeIou;
  if (a.point && b.point) {
    return Math.hypot(a.point[0] - b.point[0], a.point[1] - b.point[1]) <= opts.placeCellFraction;
  }
  return false;
}

/** A coarse, readable cell name for ids and suppression keys; matching itself uses {@link samePlace}. */
export function placeCell(anchor: PlaceAnchor, useGround: boolean, opts: PlaceOptions): string {
  if ((useGround || !anchor.point) && anchor.ground) {
    // 4 decimals of a degree is about 11 m of latitude: the same scale as the ground radius.
    return `g${anchor.ground.lat.toFixed(4)}_${anchor.ground.lon.toFixed(4)}`;
  }
  if (anchor.point) {
    const f = opts.placeCellFraction;
    return `x${Math.floor(anchor.point[0] / f)}y${Math.floor(anchor.point[1] / f)}`;
  }
  return 'any';
}
