export interface MatchPair {
  track: number;
  detection: number;
  score: number;
}

/**
 * Greedy assignment by descending affinity. For boxes of one class in one frame it agrees with
 * the Hungarian optimum in nearly every real case and is far simpler to reason about.
 */
export function greedyMatch(pairs: MatchPair[]): MatchPair[] {
  pairs.sort((a, b) => b.score - a.score || a.track - b.track || a.detection - b.detection);
  const usedTracks = new Set<number>();
  const usedDets = new Set<number>();
  const out: MatchPair[] = [];
  for (const p of pairs) {
    if (usedTracks.has(p.track) || usedDets.has(p.detection)) continue;
    usedTracks.add(p.track);
    usedDets.add(p.detection);
    out.push(p);
  }
  return out;
}
