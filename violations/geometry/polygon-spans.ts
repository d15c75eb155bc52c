import type { Vec2 } from './polygon.js';

/** Called once per run of cells; `x1` is exclusive. */
export type SpanVisitor = (row: number, x0: number, x1: number) => void;

/**
 * Scanline fill of a polygon over a width × height grid of unit cells: a cell belongs to the
 * polygon when its centre does (even-odd rule). Sampling centres keeps areas unbiased, so a
 * rasterised patch has, on average, the area of the polygon it came from.
 */
export function forEachPolygonSpan(
  poly: readonly Vec2[],
  width: number,
  height: number,
  visit: SpanVisitor,
): void {
  const n = poly.length;
  if (n < 3 || !(width > 0) || !(height > 0)) return;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const [, y] of poly) {
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  const rowStart = Math.max(0, Math.ceil(minY - 0.5));
  const rowEnd = Math.min(height - 1, Math.floor(maxY - 0.5));
  const xs: number[] = [];
  for (let row = rowStart; row <= rowEnd; row++) {
    const yc = row + 0.5;
    xs.length = 0;
    for (let i = 0, j = n - 1; i < n; j = i++) {
      const [xi, yi] = poly[i]!;
      const [xj, yj] = poly[j]!;
      if (yi <= yc !== yj <= yc) xs.push(xi + ((yc - yi) * (xj - xi)) / (yj - yi));
    }
    xs.sort((a, b) => a - b);
    for (let k = 0; k + 1 < xs.length; k += 2) {
      const x0 = Math.max(0, Math.ceil(xs[k]! - 0.5));
      const x1 = Math.min(width, Math.ceil(xs[k + 1]! - 0.5));
      if (x1 > x0) visit(row, x0, x1);
    }
  }
}
