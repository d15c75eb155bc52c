/**
 * Scores as a fixed 50-bin histogram: a median over the whole track in constant memory and
 * constant snapshot size, at 0.02 resolution, which is finer than any threshold needs.
 */
export const SCORE_BINS = 50;

export function emptyScoreHistogram(): number[] {
  return new Array<number>(SCORE_BINS).fill(0);
}

export function addScore(hist: number[], score: number): void {
  const bin = Math.min(SCORE_BINS - 1, Math.max(0, Math.floor(score * SCORE_BINS)));
  hist[bin] = (hist[bin] ?? 0) + 1;
}

/** Centre of the bin holding the median; 0 for an empty histogram. */
export function medianScore(hist: readonly number[]): number {
  let total = 0;
  for (const c of hist) total += c;
  if (total === 0) return 0;
  let seen = 0;
  for (let i = 0; i < hist.length; i++) {
    seen += hist[i]!;
    if (seen * 2 >= total) return (i + 0.5) / SCORE_BINS;
  }
  return 1;
}
