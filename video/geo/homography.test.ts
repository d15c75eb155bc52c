import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../common/errors.js';
import type { Point2 } from './geo-types.js';
import { applyHomography, homographyFrom4Points, invertHomography, type Homography } from './homography.js';

// A made-up fixed camera looking down a street: a true projective map (non-zero last row), image
// pixels → metres east/north of a kerb survey point.
const TRUTH: Homography = [0.05, 0.01, -40, 0.002, -0.12, 90, 0.00001, 0.0009, 1];
const truth = (p: Point2): Point2 => applyHomography(TRUTH, p.x, p.y)!;

const image: Point2[] = [
  { x: 120, y: 700 },
  { x: 1800, y: 690 },
  { x: 1300, y: 300 },
  { x: 600, y: 310 },
];

describe('homographyFrom4Points', () => {
  it('reproduces its 4 points and maps a 5th point as the true homography does', () => {
    const map = image.map(truth);
    const H = homographyFrom4Points(image, map);
    for (let i = 0; i < 4; i++) {
      const p = applyHomography(H, image[i]!.x, image[i]!.y)!;
      expect(p.x).toBeCloseTo(map[i]!.x, 6);
      expect(p.y).toBeCloseTo(map[i]!.y, 6);
    }
    const fifth = { x: 950, y: 520 };
    const expected = truth(fifth);
    const got = applyHomography(H, fifth.x, fifth.y)!;
    expect(got.x).toBeCloseTo(expected.x, 6);
    expect(got.y).toBeCloseTo(expected.y, 6);
    // And back again.
    const inv = invertHomography(H);
    const back = applyHomography(inv, got.x, got.y)!;
    expect(back.x).toBeCloseTo(950, 6);
    expect(back.y).toBeCloseTo(520, 6);
  });

  it('is well conditioned with large map coordinates (UTM-sized metres)', () => {
    const map = image.map(truth).map((p) => ({ x: p.x + 431_250, y: p.y + 4_585_900 }));
    const H = homographyFrom4Points(image, map);
    const got = applyHomography(H, 950, 520)!;
    const expected = truth({ x: 950, y: 520 });
    expect(got.x - 431_250).toBeCloseTo(expected.x, 4);
    expect(got.y - 4_585_900).toBeCloseTo(expected.y, 4);
  });

  it('maps a unit square onto a 10 × 20 m bay exactly (affine case)', () => {
    const H = homographyFrom4Points(
      [
        { x: 0, y: 0 },
        { x: 1, y: 0 },
        { x: 1, y: 1 },
        { x: 0, y: 1 },
      ],
      [
        { x: 0, y: 0 },
        { x: 10, y: 0 },
        { x: 10, y: 20 },
        { x: 0, y: 20 },
      ],
    );
    expect(applyHomography(H, 0.5, 0.5)).toEqual({ x: expect.closeTo(5, 9), y: expect.closeTo(10, 9) });
  });

  it('returns null beyond the vanishing line', () => {
    const H = homographyFrom4Points(image, image.map(truth));
    // w = 0.00001·x + 0.0009·y + 1 ≤ 0 for y ≤ -1111 at x = 0.
    expect(applyHomography(H, 0, -2000)).toBeNull();
  });

  it('rejects collinear, coincident or miscounted points with a clear error', () => {
    const map = image.map(truth);
    const collinear = [
      { x: 0, y: 0 },
      { x: 100, y: 100 },
      { x: 200, y: 200 },
      { x: 0, y: 300 },
    ];
    expect(() => homographyFrom4Points(collinear, map)).toThrow(InvalidInputError);
    expect(() => homographyFrom4Points(collinear, map)).toThrow(/image points 1, 2, 3 are collinear/);
    const dup = [map[0]!, map[0]!, map[2]!, map[3]!];
    expect(() => homographyFrom4Points(image, dup)).toThrow(/map points 1, 2, 3 are collinear or coincide/);
    expect(() => homographyFrom4Points(image.slice(0, 3), map.slice(0, 3))).toThrow(/exactly 4 image points/);
    expect(() => homographyFrom4Points(image, [...map.slice(0, 3), { x: Number.NaN, y: 0 }])).toThrow(
      /not finite/,
    );
  });
});
