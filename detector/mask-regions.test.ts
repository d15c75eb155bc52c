import { describe, it, expect } from 'vitest';
import { findMaskRegions, polygonArea } from './mask-regions.js';
import { mulberry32 } from '../test/support/seeded-random.js';

/** Reference labelling by plain union-find, 8-connectivity. */
function referenceComponents(grid: Uint8Array, w: number, h: number, value: number): Int32Array {
  const parent = Int32Array.from({ length: w * h }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (grid[y * w + x] !== value) continue;
      for (const [dx, dy] of [
        [1, 0],
        [-1, 1],
        [0, 1],
        [1, 1],
      ] as const) {
        const nx = x + dx;
        const ny = y + dy;
        if (nx < 0 || nx >= w || ny >= h || grid[ny * w + nx] !== value) continue;
        parent[find(ny * w + nx)] = find(y * w + x);
      }
    }
  }
  const roots = new Int32Array(w * h).fill(-1);
  for (let i = 0; i < w * h; i++) if (grid[i] === value) roots[i] = find(i);
  return roots;
}

/**
 * Area enclosed by a component's outer boundary: every cell not reachable from outside the
 * image through 4-connected non-component cells (the background dual of 8-connectivity).
 */
function enclosedArea(roots: Int32Array, root: number, w: number, h: number): number {
  const pw = w + 2;
  const ph = h + 2;
  const seen = new Uint8Array(pw * ph);
  const isComp = (px: number, py: number): boolean =>
    px >= 1 && py >= 1 && px <= w && py <= h && roots[(py - 1) * w + (px - 1)] === root;
  const stack = [0];
  seen[0] = 1;
  let outside = 0;
  while (stack.length > 0) {
    const i = stack.pop()!;
    outside++;
    const x = i % pw;
    const y = (i - x) / pw;
    for (const [nx, ny] of [
      [x + 1, y],
      [x - 1, y],
      [x, y + 1],
      [x, y - 1],
    ] as const) {
      if (nx < 0 || ny < 0 || nx >= pw || ny >= ph) continue;
      const j = ny * pw + nx;
      if (seen[j] === 1 || isComp(nx, ny)) continue;
      seen[j] = 1;
      stack.push(j);
    }
  }
  return pw * ph - outside;
}

describe('polygonArea', () => {
  it('is the absolute shoelace area for either winding', () => {
    const square: [number, number][] = [
      [0, 0],
      [4, 0],
      [4, 3],
      [0, 3],
    ];
    expect(polygonArea(square)).toBe(12);
    expect(polygonArea([...square].reverse())).toBe(12);
    expect(polygonArea([[0, 0]])).toBe(0);
  });
});

describe('findMaskRegions', () => {
  it('matches a reference labelling and traces outer boundaries exactly on random masks', () => {
    const rand = mulberry32(1234);
    for (let trial = 0; trial < 60; trial++) {
      const w = 3 + Math.floor(rand() * 30);
      const h = 3 + Math.floor(rand() * 30);
      const density = 0.3 + rand() * 0.4;
      const grid = new Uint8Array(w * h);
      for (let i = 0; i < grid.length; i++) grid[i] = rand() < density ? 1 : 0;

      const regions = findMaskRegions(grid, w, h, 1, { simplifyTolerance: 0 });
      const roots = referenceComponents(grid, w, h, 1);
      const sizes = new Map<number, number>();
      for (const r of roots) if (r >= 0) sizes.set(r, (sizes.get(r) ?? 0) + 1);
      expect(regions.map((r) => r.area)).toEqual([...sizes.values()].sort((a, b) => b - a));

      for (const region of regions) {
        // Vertex 0 is the top-left corner of the component's first pixel in raster order.
        const [sx, sy] = region.polygon[0]!;
        const root = roots[sy * w + sx]!;
        expect(sizes.get(root)).toBe(region.area);
        expect(root).toBeGreaterThanOrEqual(0);
        expect(polygonArea(region.polygon)).toBe(enclosedArea(roots, root, w, h));
        // Clockwise on screen: positive signed shoelace sum with y pointing down.
        let signed = 0;
        region.polygon.forEach(([x, y], i) => {
          const [nx, ny] = region.polygon[(i + 1) % region.polygon.length]!;
          signed += x * ny - nx * y;
        });
        expect(signed).toBeGreaterThan(0);
        const last = region.polygon[region.polygon.length - 1]!;
        expect(last).not.toEqual(region.polygon[0]);
      }
    }
  });

  it('handles a component filling the whole grid and one of millions of pixels', () => {
    const w = 2000;
    const h = 1000;
    const grid = new Uint8Array(w * h).fill(1);
    const [region] = findMaskRegions(grid, w, h, 1);
    expect(region).toEqual({
      area: w * h,
      box: [0, 0, w, h],
      polygon: [
        [0, 0],
        [w, 0],
        [w, h],
        [0, h],
      ],
    });
  });

  it('rejects a grid of the wrong size', () => {
    expect(() => findMaskRegions(new Uint8Array(5), 2, 3, 1)).toThrow(RangeError);
  });
});
