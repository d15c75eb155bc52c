import { distanceM } from '../geo/geodesy.js';

/**
 * `GPS(a, b, …)` has no names: Mavic Pro, Phantom 4 Pro/RTK and Mavic Mini write (lon, lat),
 * Matrice 300 writes (lat, lon). The order is a property of the firmware, so it is decided once
 * per file from all records, strongest evidence first:
 * 1. value range: a value beyond ±90 can only be a longitude;
 * 2. the `D` field (distance to home) against the GPS→HOME distance computed both ways: the
 *    cos(lat) factor lands on the other axis when the order is wrong, so away from the equator
 *    only the right order reproduces D;
 * 3. otherwise a prior from the dialect, reported as unproven.
 * HOME is compared against GPS first in case a firmware writes the two in opposite orders.
 */

export type TupleOrder = 'lon,lat' | 'lat,lon';

export interface TupleSample {
  gps?: readonly [number, number];
  home?: readonly [number, number];
  distanceM?: number;
}

export interface TupleOrderDecision {
  order: TupleOrder;
  homeSwapped: boolean;
  basis: string;
  proven: boolean;
  /** Records whose own values contradict the file-level order (first value > 90 in a lat-first file). */
  contradictions: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

function homeIsSwapped(samples: readonly TupleSample[]): boolean {
  let straight = 0;
  let swapped = 0;
  for (const s of samples) {
    if (!s.gps || !s.home) continue;
    straight += Math.abs(s.gps[0] - s.home[0]) + Math.abs(s.gps[1] - s.home[1]);
    swapped += Math.abs(s.gps[0] - s.home[1]) + Math.abs(s.gps[1] - s.home[0]);
  }
  return swapped * 5 < straight;
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)} %`;
}

export function decideTupleOrder(
  samples: readonly TupleSample[],
  prior: { order: TupleOrder; reason: string },
): TupleOrderDecision {
  const homeSwapped = homeIsSwapped(samples);
  const pairs: (readonly [number, number])[] = [];
  for (const s of samples) {
    if (s.gps) pairs.push(s.gps);
    if (s.home) pairs.push(homeSwapped ? [s.home[1], s.home[0]] : s.home);
  }

  const firstOver = pairs.filter((p) => Math.abs(p[0]) > 90).length;
  const secondOver = pairs.filter((p) => Math.abs(p[1]) > 90).length;
  if (firstOver > 0 || secondOver > 0) {
    const order: TupleOrder = firstOver >= secondOver ? 'lon,lat' : 'lat,lon';
    const n = Math.max(firstOver, secondOver);
    return {
      order,
      homeSwapped,
      basis:
        `${order === 'lon,lat' ? 'first' : 'second'} value beyond ±90° in ${n} tuples: ` +
        'only a longitude can be',
      proven: true,
      contradictions: Math.min(firstOver, secondOver),
    };
  }

  const errLonLat: number[] = [];
  const errLatLon: number[] = [];
  for (const s of samples) {
    if (!s.gps || !s.home || s.distanceM === undefined || s.distanceM < 20) continue;
    const h = homeSwapped ? ([s.home[1], s.home[0]] as const) : s.home;
    const asLonLat = distanceM({ lon: s.gps[0], lat: s.gps[1] }, { lon: h[0], lat: h[1] });
    const asLatLon = distanceM({ lat: s.gps[0], lon: s.gps[1] }, { lat: h[0], lon: h[1] });
    errLonLat.push(Math.abs(asLonLat - s.distanceM) / s.distanceM);
    errLatLon.push(Math.abs(asLatLon - s.distanceM) / s.distanceM);
  }
  if (errLonLat.length > 0) {
    const a = median(errLonLat);
    const b = median(errLatLon);
    const best = Math.min(a, b);
    const other = Math.max(a, b);
    if (best < 0.1 && other > 3 * best && other - best > 0.02) {
      const order: TupleOrder = a < b ? 'lon,lat' : 'lat,lon';
      return {
        order,
        homeSwapped,
        basis:
          `D (distance to home) matches GPS→HOME read as (${order}) in ${errLonLat.length} records: ` +
          `median error ${pct(best)} vs ${pct(other)} the other way`,
        proven: true,
        contradictions: 0,
      };
    }
  }

  return { order: prior.order, homeSwapped, basis: prior.reason, proven: false, contradictions: 0 };
}
