import { describe, expect, it } from 'vitest';
import { cropRaw, mergeTileDetections, planTiles } from './tiling.js';
import type { Detection } from './types.js';

const det = (box: [number, number, number, number], score = 0.9, canonical = 'vehicle'): Detection => ({
  label: canonical === 'vehicle' ? 'car' : canonical,
  canonical,
  score,
  box,
});

describe('planTiles', () => {
  it('covers the image with overlapping tiles and no sliver at the end', () => {
    const tiles = planTiles(3840, 2160, 832, 512, 0.2);
    const xs = [...new Set(tiles.map((t) => t.x))];
    const ys = [...new Set(tiles.map((t) => t.y))];
    expect(xs[0]).toBe(0);
    expect(xs.at(-1)! + 832).toBe(3840);
    expect(ys.at(-1)! + 512).toBe(2160);
    for (let i = 1; i < xs.length; i++)
      expect(xs[i - 1]! + 832 - xs[i]!).toBeGreaterThanOrEqual(832 * 0.2 - 1);
    for (let i = 1; i < ys.length; i++)
      expect(ys[i - 1]! + 512 - ys[i]!).toBeGreaterThanOrEqual(512 * 0.2 - 1);
    expect(tiles.every((t) => t.width === 832 && t.height === 512)).toBe(true);
  });

  it('uses one tile when the image is small enough', () => {
    expect(planTiles(800, 500, 832, 512, 0.2)).toEqual([{ x: 0, y: 0, width: 800, height: 500 }]);
  });
});

describe('cropRaw', () => {
  it('copies the right pixels', () => {
    const data = new Uint8Array(4 * 3 * 3).map((_, i) => i);
    const crop = cropRaw({ data, width: 4, height: 3 }, { x: 1, y: 1, width: 2, height: 2 });
    expect(Array.from(crop.data)).toEqual([15, 16, 17, 18, 19, 20, 27, 28, 29, 30, 31, 32]);
  });
});

describe('mergeTileDetections', () => {
  const tileA = { x: 0, y: 0, width: 100, height: 100 };
  const tileB = { x: 80, y: 0, width: 100, height: 100 };

  it('keeps one box for an object seen whole in one tile and cut in the other', () => {
    // Object spans x 70..95: whole in A; B starts at 80, so B sees only 80..95 (cut at its left edge).
    const merged = mergeTileDetections(
      [
        { tile: tileA, detections: [det([70, 10, 95, 40], 0.8)] },
        { tile: tileB, detections: [det([0, 10, 15, 40], 0.85)] },
      ],
      180,
      100,
    );
    expect(merged).toHaveLength(1);
    expect(merged[0]!.box).toEqual([70, 10, 95, 40]);
  });

  it('joins two cut halves of an object larger than the overlap', () => {
    // Object spans x 50..140: A sees 50..100 (cut at A's right edge), B sees 80..140 (cut at B's left).
    const merged = mergeTileDetections(
      [
        { tile: tileA, detections: [det([50, 10, 100, 60], 0.7)] },
        { tile: tileB, detections: [det([0, 10, 60, 60], 0.75)] },
      ],
      180,
      100,
    );
    expect(merged).toHaveLength(1);
    expect(merged[0]!.box).toEqual([50, 10, 140, 60]);
    expect(merged[0]!.score).toBe(0.75);
  });

  it('keeps two different objects that touch, and different labels that overlap', () => {
    const merged = mergeTileDetections(
      [
        {
          tile: tileA,
          detections: [det([10, 10, 40, 40]), det([40, 10, 70, 40]), det([10, 10, 40, 40], 0.6, 'person')],
        },
      ],
      180,
      100,
    );
    expect(merged).toHaveLength(3);
  });

  it('suppresses duplicates of an uncut object seen in two tiles and the full frame', () => {
    const merged = mergeTileDetections(
      [
        { tile: tileA, detections: [det([82, 20, 92, 30], 0.8)] },
        { tile: tileB, detections: [det([2, 20, 12, 30], 0.9)] },
        { tile: null, detections: [det([81, 19, 93, 31], 0.7)] },
      ],
      180,
      100,
    );
    expect(merged).toHaveLength(1);
    expect(merged[0]!.score).toBe(0.9);
  });
});
