import { InvalidInputError } from '../../common/errors.js';

/** WGS-84 equatorial radius; the brief's flat-ground formulas use it as a sphere. */
export const EARTH_RADIUS_M = 6_378_137;

const RAD = Math.PI / 180;

export interface LatLon {
  lat: number;
  lon: number;
}

function checkLatLon(p: LatLon, what: string): void {
  if (!Number.isFinite(p.lat) || !Number.isFinite(p.lon) || Math.abs(p.lat) > 90) {
    throw new InvalidInputError(`${what}: not a latitude/longitude (${p.lat}, ${p.lon})`);
  }
}

/** Wraps to [-180, 180) so offsets that cross the antimeridian stay valid longitudes. */
export function wrapLongitude(lon: number): number {
  return ((((lon + 180) % 360) + 360) % 360) - 180;
}

/** Small-offset (local tangent plane) move; exact enough for the few hundred metres a frame covers. */
export function groundOffsetToLatLon(lat: number, lon: number, eastM: number, northM: number): LatLon {
  checkLatLon({ lat, lon }, 'groundOffsetToLatLon origin');
  const dLat = northM / EARTH_RADIUS_M / RAD;
  const dLon = eastM / (EARTH_RADIUS_M * Math.cos(lat * RAD)) / RAD;
  return { lat: lat + dLat, lon: wrapLongitude(lon + dLon) };
}

/** Inverse of {@link groundOffsetToLatLon}: east/north metres of `p` from `origin`. */
export function latLonToGroundOffset(origin: LatLon, p: LatLon): { eastM: number; northM: number } {
  checkLatLon(origin, 'latLonToGroundOffset origin');
  checkLatLon(p, 'latLonToGroundOffset point');
  return {
    eastM: wrapLongitude(p.lon - origin.lon) * RAD * EARTH_RADIUS_M * Math.cos(origin.lat * RAD),
    northM: (p.lat - origin.lat) * RAD * EARTH_RADIUS_M,
  };
}

/** Great-circle distance; use for anything longer than a city block. */
export function haversineDistance(a: LatLon, b: LatLon): number {
  checkLatLon(a, 'haversineDistance');
  checkLatLon(b, 'haversineDistance');
  const dLat = (b.lat - a.lat) * RAD;
  const dLon = wrapLongitude(b.lon - a.lon) * RAD;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Equirectangular distance: cheap, and within 0.1 % of haversine below ~10 km. */
export function distanceM(a: LatLon, b: LatLon): number {
  const meanLat = ((a.lat + b.lat) / 2) * RAD;
  const dx = wrapLongitude(b.lon - a.lon) * RAD * Math.cos(meanLat);
  const dy = (b.lat - a.lat) * RAD;
  return EARTH_RADIUS_M * Math.hypot(dx, dy);
}
