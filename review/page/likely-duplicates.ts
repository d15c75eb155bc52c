/**
 * Candidates that look like repeats of one case: same source, type and zone, about the same place
 * (when both have coordinates) and close in time. The engine already merges one object's
 * observations; what gets through are re-detections after a gap, which reviewers reject in bulk.
 */
import type { Case } from '../../cases/case-model.js';

export const DUPLICATE_RADIUS_M = 30;
export const DUPLICATE_GAP_S = 2 * 3600;

const EARTH_RADIUS_M = 6_371_000;

/** Great-circle distance in metres. */
export function distanceM(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Seconds between two [first, last] intervals; 0 when they overlap. */
function gapSeconds(a: Case, b: Case): number {
  const a0 = Date.parse(a.firstSeen);
  const a1 = Date.parse(a.lastSeen);
  const b0 = Date.parse(b.firstSeen);
  const b1 = Date.parse(b.lastSeen);
  return Math.max(0, b0 - a1, a0 - b1) / 1000;
}

export function isLikelyDuplicate(of: Case, other: Case): boolean {
  if (of.id === other.id) return false;
  if (of.sourceId !== other.sourceId || of.type !== other.type || of.zoneId !== other.zoneId) return false;
  if (of.location && other.location && distanceM(of.location, other.location) > DUPLICATE_RADIUS_M)
    return false;
  return gapSeconds(of, other) <= DUPLICATE_GAP_S;
}

export function likelyDuplicates(of: Case, candidates: readonly Case[]): Case[] {
  return candidates.filter((c) => isLikelyDuplicate(of, c));
}
