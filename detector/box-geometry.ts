import type { BoxXYXY, Candidate } from './types.js';

export function boxArea(b: BoxXYXY): number {
  return Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);
}

export function intersectionArea(a: BoxXYXY, b: BoxXYXY): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  return w > 0 && h > 0 ? w * h : 0;
}

export function iou(a: BoxXYXY, b: BoxXYXY): number {
  const inter = intersectionArea(a, b);
  if (inter === 0) return 0;
  return inter / (boxArea(a) + boxArea(b) - inter);
}

/** Intersection over the smaller box: 1 when one box lies inside the other. */
export function intersectionOverSmaller(a: BoxXYXY, b: BoxXYXY): number {
  const inter = intersectionArea(a, b);
  if (inter === 0) return 0;
  return inter / Math.min(boxArea(a), boxArea(b));
}

export function unionBox(a: BoxXYXY, b: BoxXYXY): BoxXYXY {
  return [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])];
}

export function clipBox(b: BoxXYXY, width: number, height: number): BoxXYXY {
  return [
    Math.min(Math.max(b[0], 0), width),
    Math.min(Math.max(b[1], 0), height),
    Math.min(Math.max(b[2], 0), width),
    Math.min(Math.max(b[3], 0), height),
  ];
}

export function isFiniteBox(b: BoxXYXY): boolean {
  return Number.isFinite(b[0]) && Number.isFinite(b[1]) && Number.isFinite(b[2]) && Number.isFinite(b[3]);
}

export function centreSizeToCorners(cx: number, cy: number, w: number, h: number): BoxXYXY {
  return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
}

export interface NmsOptions {
  iouThreshold: number;
  /** Suppress only within a class (true) or across all classes (false). */
  classAware: boolean;
  maxDetections: number;
}

/**
 * Greedy NMS. Candidates are sorted by score once; each kept box suppresses later
 * overlapping ones. O(n·k) with k kept boxes, which is small after score filtering.
 */
export function nonMaxSuppression<T extends Candidate>(candidates: readonly T[], opts: NmsOptions): T[] {
  const sorted = candidates
    .filter((c) => Number.isFinite(c.score) && isFiniteBox(c.box) && boxArea(c.box) > 0)
    .sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  for (const c of sorted) {
    let suppressed = false;
    for (const k of kept) {
      if (opts.classAware && k.classIndex !== c.classIndex) continue;
      if (iou(k.box, c.box) > opts.iouThreshold) {
        suppressed = true;
        break;
      }
    }
    if (!suppressed) {
      kept.push(c);
      if (kept.length >= opts.maxDetections) break;
    }
  }
  return kept;
}
