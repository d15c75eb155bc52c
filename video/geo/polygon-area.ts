import type { CameraIntrinsics } from './camera-intrinsics.js';
import type { Point2 } from './geo-types.js';
import { latLonToGroundOffset, type LatLon } from './geodesy.js';
import { pixelToGround, type CameraPose } from './ground-projection.js';

/** Shoelace area of a simple polygon in local east/north metres; orientation does not matter. */
export function polygonAreaM2(points: readonly { eastM: number; northM: number }[]): number {
  let twice = 0;
  for (let i = 0; i < points.length; i++) {
    const a = points[i]!;
    const b = points[(i + 1) % points.length]!;
    twice += a.eastM * b.northM - b.eastM * a.northM;
  }
  return Math.abs(twice) / 2;
}

/** Area of a lat/lon polygon small enough for a local tangent plane (a street, a lot). */
export function latLonPolygonAreaM2(points: readonly LatLon[]): number {
  const origin = points[0];
  if (!origin) return 0;
  return polygonAreaM2(points.map((p) => latLonToGroundOffset(origin, p)));
}

/**
 * Ground area covered by an image polygon (x = u, y = v). Null when any corner lies at or above
 * the horizon: the true area is then unbounded, and clipping it would report a made-up number.
 */
export function pixelPolygonAreaM2(
  pixels: readonly Point2[],
  pose: CameraPose,
  K: CameraIntrinsics,
): number | null {
  const ground = [];
  for (const p of pixels) {
    const g = pixelToGround(p.x, p.y, pose, K);
    if (!g) return null;
    ground.push(g);
  }
  return polygonAreaM2(ground);
}
