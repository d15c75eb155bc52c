/**
 * Lat/lon to canvas pixels for the local map. No tile server is reachable from a bureau's
 * network, and a district is small enough that an equirectangular projection scaled by cos(lat)
 * keeps shapes and distances honest.
 */

export interface LatLon {
  lat: number;
  lon: number;
}

export interface Projection {
  toPixel(p: LatLon): { x: number; y: number };
  /** Pixels per metre at the map's centre. */
  pixelsPerMetre: number;
}

const METRES_PER_DEGREE = 111_320;
/** A lone point (or points closer than this) still gets a view a few streets wide. */
const MIN_SPAN_M = 400;

export function fitProjection(
  points: readonly LatLon[],
  width: number,
  height: number,
  padding: number,
): Projection | undefined {
  const usable = points.filter((p) => Number.isFinite(p.lat) && Number.isFinite(p.lon));
  if (usable.length === 0 || width <= 2 * padding || height <= 2 * padding) return undefined;
  let minLat = Infinity;
  let maxLat = -Infinity;
  let minLon = Infinity;
  let maxLon = -Infinity;
  for (const p of usable) {
    minLat = Math.min(minLat, p.lat);
    maxLat = Math.max(maxLat, p.lat);
    minLon = Math.min(minLon, p.lon);
    maxLon = Math.max(maxLon, p.lon);
  }
  const midLat = (minLat + maxLat) / 2;
  const midLon = (minLon + maxLon) / 2;
  const xScale = METRES_PER_DEGREE * Math.cos((midLat * Math.PI) / 180);
  const spanX = Math.max((maxLon - minLon) * xScale, MIN_SPAN_M);
  const spanY = Math.max((maxLat - minLat) * METRES_PER_DEGREE, MIN_SPAN_M);
  const pixelsPerMetre = Math.min((width - 2 * padding) / spanX, (height - 2 * padding) / spanY);
  return {
    pixelsPerMetre,
    toPixel: (p) => ({
      x: width / 2 + (p.lon - midLon) * xScale * pixelsPerMetre,
      y: height / 2 - (p.lat - midLat) * METRES_PER_DEGREE * pixelsPerMetre,
    }),
  };
}

/** A round scale-bar length (1, 2 or 5 × 10ⁿ metres) no longer than maxPixels. */
export function scaleBar(pixelsPerMetre: number, maxPixels: number): { metres: number; pixels: number } {
  const limit = maxPixels / pixelsPerMetre;
  let metres = 1;
  for (let power = 0; power < 8; power++) {
    for (const step of [1, 2, 5]) {
      const candidate = step * 10 ** power;
      if (candidate <= limit) metres = candidate;
    }
  }
  return { metres, pixels: metres * pixelsPerMetre };
}
