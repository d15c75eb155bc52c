import type { BoxXYXY } from './types.js';

export type PolygonPoint = [number, number];

/**
 * One 8-connected component. Coordinates are pixel corners: pixel (x, y) covers the square
 * [x, x+1] × [y, y+1], so a single pixel has box [x, y, x+1, y+1] and a 4-corner polygon.
 */
export interface Region {
  /** Pixels in the component (holes excluded). */
  area: number;
  box: BoxXYXY;
  /**
   * Outer boundary in image pixels, clockwise on screen (y down; positive shoelace sum),
   * without a repeated closing point. Holes are not represented. Where two parts touch only
   * diagonally the shared corner appears twice.
   */
  polygon: PolygonPoint[];
}

export interface RegionOptions {
  /** Components with fewer pixels are dropped. Default 1. */
  minArea?: number;
  /** Douglas–Peucker tolerance in pixels; 0 keeps every corner. Default 1.5. */
  simplifyTolerance?: number;
}

/** Shoelace area, absolute, so the winding direction does not matter. */
export function polygonArea(poly: readonly (readonly [number, number])[]): number {
  const n = poly.length;
  if (n < 3) return 0;
  let sum = 0;
  let [px, py] = poly[n - 1]!;
  for (const [x, y] of poly) {
    sum += px * y - x * py;
    px = x;
    py = y;
  }
  return Math.abs(sum) / 2;
}

// Direction d: 0 east, 1 south, 2 west, 3 north (image y grows downwards).
const DX: readonly number[] = [1, 0, -1, 0];
const DY: readonly number[] = [0, 1, 0, -1];
// Offsets from a vertex to the pixels ahead-left / ahead-right of a walker heading in d;
// the pixel whose top-left corner is the vertex (vx, vy) is pixel (vx, vy).
const AHEAD_LEFT_X: readonly number[] = [0, 0, -1, -1];
const AHEAD_LEFT_Y: readonly number[] = [-1, 0, 0, -1];
const AHEAD_RIGHT_X: readonly number[] = [0, -1, -1, 0];
const AHEAD_RIGHT_Y: readonly number[] = [0, 0, -1, -1];

/**
 * Walks the pixel-corner lattice with the component on the right-hand side, starting at the
 * top-left corner of its first pixel in raster order. That corner touches no other pixel of
 * the component, so it lies on the outer boundary and is passed exactly once, which makes
 * "back at the start" a safe stop. Turning left whenever the pixel ahead-left belongs to the
 * component keeps diagonal neighbours together, matching 8-connectivity. Only corners where
 * the direction changes are recorded, so straight runs cost no memory.
 */
function traceOuterBoundary(
  labels: Int32Array,
  width: number,
  height: number,
  label: number,
  start: number,
  area: number,
): number[] {
  const inside = (px: number, py: number): boolean =>
    px >= 0 && py >= 0 && px < width && py < height && labels[py * width + px] === label;
  const sx = start % width;
  const sy = (start - sx) / width;
  const flat = [sx, sy];
  let vx = sx;
  let vy = sy;
  let dir = 0;
  // The outer boundary has at most 4 edges per pixel; more means a tracing bug, not a big region.
  const maxSteps = 4 * area + 4;
  for (let step = 0; ; step++) {
    if (step > maxSteps) throw new Error('mask-regions: boundary trace did not close');
    vx += DX[dir]!;
    vy += DY[dir]!;
    if (vx === sx && vy === sy) break;
    let next: number;
    if (inside(vx + AHEAD_LEFT_X[dir]!, vy + AHEAD_LEFT_Y[dir]!)) next = (dir + 3) & 3;
    else if (inside(vx + AHEAD_RIGHT_X[dir]!, vy + AHEAD_RIGHT_Y[dir]!)) next = dir;
    else next = (dir + 1) & 3;
    if (next !== dir) {
      flat.push(vx, vy);
      dir = next;
    }
  }
  return flat;
}

function segmentDistanceSq(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len = dx * dx + dy * dy;
  let t = len > 0 ? ((px - ax) * dx + (py - ay) * dy) / len : 0;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  const ex = ax + t * dx - px;
  const ey = ay + t * dy - py;
  return ex * ex + ey * ey;
}

/**
 * Douglas–Peucker on a closed ring, split at vertex 0 and the vertex farthest from it. Uses
 * distance to the segment, not the infinite line, so back-tracking spikes are not mistaken
 * for straight runs. An explicit stack avoids deep recursion on long contours. A ring that
 * would collapse below a triangle (tiny regions at a large tolerance) is returned unchanged.
 */
function simplifyRing(flat: readonly number[], tolerance: number): PolygonPoint[] {
  const n = flat.length / 2;
  const px = (i: number): number => flat[2 * (i % n)]!;
  const py = (i: number): number => flat[2 * (i % n) + 1]!;
  const all = (): PolygonPoint[] => {
    const out: PolygonPoint[] = new Array<PolygonPoint>(n);
    for (let i = 0; i < n; i++) out[i] = [px(i), py(i)];
    return out;
  };
  if (n <= 3) return all();

  let far = 0;
  let farDist = -1;
  for (let i = 1; i < n; i++) {
    const dx = px(i) - px(0);
    const dy = py(i) - py(0);
    const d = dx * dx + dy * dy;
    if (d > farDist) {
      farDist = d;
      far = i;
    }
  }
  const keep = new Uint8Array(n);
  keep[0] = 1;
  keep[far] = 1;
  const tolSq = tolerance * tolerance;
  // Index n stands for vertex 0 closing the ring.
  const stack = [0, far, far, n];
  while (stack.length > 0) {
    const b = stack.pop()!;
    const a = stack.pop()!;
    let best = -1;
    let bestDist = -1;
    const ax = px(a);
    const ay = py(a);
    const bx = px(b);
    const by = py(b);
    for (let i = a + 1; i < b; i++) {
      const d = segmentDistanceSq(px(i), py(i), ax, ay, bx, by);
      if (d > bestDist) {
        bestDist = d;
        best = i;
      }
    }
    if (best >= 0 && bestDist > tolSq) {
      keep[best] = 1;
      stack.push(a, best, best, b);
    }
  }

  const out: PolygonPoint[] = [];
  for (let i = 0; i < n; i++) if (keep[i] === 1) out.push([px(i), py(i)]);
  return out.length >= 3 ? out : all();
}

/**
 * Connected components (8-connectivity) of the cells of `grid` equal to `value`, largest
 * first (ties in raster order of their first pixel). Breadth-first filling with a typed
 * queue: no recursion, so components of millions of pixels are fine.
 */
export function findMaskRegions(
  grid: Uint8Array,
  width: number,
  height: number,
  value: number,
  opts: RegionOptions = {},
): Region[] {
  const minArea = opts.minArea ?? 1;
  const tolerance = opts.simplifyTolerance ?? 1.5;
  const n = width * height;
  if (grid.length !== n) {
    throw new RangeError(`mask-regions: grid has ${grid.length} cells, expected ${width}×${height}`);
  }
  const labels = new Int32Array(n);
  // Each fill starts at the queue's beginning, so one buffer serves every component.
  const queue = new Int32Array(n);
  const regions: Region[] = [];
  let label = 0;

  for (let start = 0; start < n; start++) {
    if (grid[start] !== value || labels[start] !== 0) continue;
    label++;
    labels[start] = label;
    queue[0] = start;
    let head = 0;
    let tail = 1;
    let minX = width;
    let minY = height;
    let maxX = -1;
    let maxY = -1;
    while (head < tail) {
      const i = queue[head++]!;
      const y = (i / width) | 0;
      const x = i - y * width;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
      const x0 = x > 0 ? x - 1 : 0;
      const x1 = x < width - 1 ? x + 1 : x;
      const y0 = y > 0 ? y - 1 : 0;
      const y1 = y < height - 1 ? y + 1 : y;
      for (let yy = y0; yy <= y1; yy++) {
        const rowStart = yy * width;
        for (let xx = x0; xx <= x1; xx++) {
          const j = rowStart + xx;
          if (labels[j] === 0 && grid[j] === value) {
            labels[j] = label;
            queue[tail++] = j;
          }
        }
      }
    }
    const area = tail;
    if (area < minArea) continue;
    const ring = traceOuterBoundary(labels, width, height, label, start, area);
    regions.push({
      area,
      box: [minX, minY, maxX + 1, maxY + 1],
      polygon: simplifyRing(ring, tolerance),
    });
  }

  // Array.prototype.sort is stable, so equal areas keep their raster order.
  return regions.sort((a, b) => b.area - a.area);
}
