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

/** Horizontal runs of matching cells, linked into components by union-find. */
interface Runs {
  count: number;
  start: Int32Array;
  /** Exclusive. */
  end: Int32Array;
  row: Int32Array;
  /** Union-find parent; a root is always the lowest run index of its set. */
  parent: Int32Array;
}

function findRoot(parent: Int32Array, i: number): number {
  let r = i;
  while (parent[r] !== r) {
    // Path halving keeps later look-ups near O(1) without a second pass.
    const gp = parent[parent[r]!]!;
    parent[r] = gp;
    r = gp;
  }
  return r;
}

/**
 * Row-by-row run extraction plus union-find over runs: every pixel is read once and only runs
 * are merged, so a full-frame 4K component costs one linear scan rather than a flood fill
 * touching each pixel's eight neighbours. No recursion anywhere.
 */
function collectRuns(grid: Uint8Array, width: number, height: number, value: number): Runs {
  let cap = 1024;
  let start: Int32Array = new Int32Array(cap);
  let end: Int32Array = new Int32Array(cap);
  let row: Int32Array = new Int32Array(cap);
  let parent: Int32Array = new Int32Array(cap);
  let count = 0;
  let prevFirst = 0;
  let prevEnd = 0;

  for (let y = 0; y < height; y++) {
    const off = y * width;
    const first = count;
    let x = 0;
    while (x < width) {
      if (grid[off + x] !== value) {
        x++;
        continue;
      }
      const a = x;
      while (x < width && grid[off + x] === value) x++;
      if (count === cap) {
        cap *= 2;
        const grow = (old: Int32Array): Int32Array => {
          const next = new Int32Array(cap);
          next.set(old);
          return next;
        };
        start = grow(start);
        end = grow(end);
        row = grow(row);
        parent = grow(parent);
      }
      start[count] = a;
      end[count] = x;
      row[count] = y;
      parent[count] = count;
      count++;
    }

    // Runs [a, b) and [c, d) on adjacent rows touch under 8-connectivity when c <= b and d >= a.
    let p = prevFirst;
    for (let r = first; r < count; r++) {
      const a = start[r]!;
      const b = end[r]!;
      while (p < prevEnd && end[p]! < a) p++;
      // The last overlapping run above may also touch the next run here, so p stays on it.
      for (let q = p; q < prevEnd && start[q]! <= b; q++) {
        const ra = findRoot(parent, r);
        const rb = findRoot(parent, q);
        if (ra < rb) parent[rb] = ra;
        else if (rb < ra) parent[ra] = rb;
      }
    }
    prevFirst = first;
    prevEnd = count;
  }
  return { count, start, end, row, parent };
}

/**
 * Connected components (8-connectivity) of the cells of `grid` equal to `value`, largest
 * first (ties in raster order of their first pixel).
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
  const runs = collectRuns(grid, width, height, value);
  const { start, end, row, parent } = runs;

  // Roots are the lowest run index of their set and runs are in raster order, so numbering
  // roots as they appear numbers components by their first pixel, and the root run starts it.
  const compOfRun = new Int32Array(runs.count);
  const area: number[] = [];
  const minX: number[] = [];
  const maxX: number[] = [];
  const minY: number[] = [];
  const maxY: number[] = [];
  const firstPixel: number[] = [];
  for (let r = 0; r < runs.count; r++) {
    const root = findRoot(parent, r);
    const a = start[r]!;
    const b = end[r]!;
    const y = row[r]!;
    if (root === r) {
      compOfRun[r] = area.length;
      area.push(b - a);
      minX.push(a);
      maxX.push(b);
      minY.push(y);
      maxY.push(y + 1);
      firstPixel.push(y * width + a);
      continue;
    }
    const c = compOfRun[root]!;
    compOfRun[r] = c;
    area[c]! += b - a;
    if (a < minX[c]!) minX[c] = a;
    if (b > maxX[c]!) maxX[c] = b;
    maxY[c] = y + 1;
  }

  const kept: number[] = [];
  for (let c = 0; c < area.length; c++) if (area[c]! >= minArea) kept.push(c);
  if (kept.length === 0) return [];

  // Component ids + 1 per pixel, 0 elsewhere: the tracer needs to tell this component from
  // others of the same value, which can sit inside its holes.
  const labels = new Int32Array(n);
  for (let r = 0; r < runs.count; r++) {
    const off = row[r]! * width;
    labels.fill(compOfRun[r]! + 1, off + start[r]!, off + end[r]!);
  }

  const regions: Region[] = kept.map((c) => ({
    area: area[c]!,
    box: [minX[c]!, minY[c]!, maxX[c]!, maxY[c]!],
    polygon: simplifyRing(
      traceOuterBoundary(labels, width, height, c + 1, firstPixel[c]!, area[c]!),
      tolerance,
    ),
  }));
  // Array.prototype.sort is stable, so equal areas keep their raster order.
  return regions.sort((a, b) => b.area - a.area);
}
