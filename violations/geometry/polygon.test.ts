import { describe, expect, it } from 'vitest';
import { polygonArea } from '../../detector/mask-regions.js';
import { forEachPolygonSpan } from './polygon-spans.js';
import { convexHull, findSelfIntersection, pointInPolygon, polygonCentroid, type Vec2 } from './polygon.js';

describe('polygon helpers', () => {
  const square: Vec2[] = [
    [0, 0],
    [4, 0],
    [4, 4],
    [0, 4],
  ];

  it('point in polygon', () => {
    expect(pointInPolygon(2, 2, square)).toBe(true);
    expect(pointInPolygon(5, 2, square)).toBe(false);
  });

  it('finds crossing and folding edges, and passes simple polygons', () => {
    expect(findSelfIntersection(square)).toBeNull();
    expect(
      findSelfIntersection([
        [0, 0],
        [4, 4],
        [4, 0],
        [0, 4],
      ]),
    ).toEqual([0, 2]);
    // A spike folding back along its own edge.
    expect(
      findSelfIntersection([
        [0, 0],
        [4, 0],
        [2, 0],
        [2, 3],
      ]),
    ).not.toBeNull();
    // Concave but simple.
    expect(
      findSelfIntersection([
        [0, 0],
        [4, 0],
        [4, 4],
        [2, 1],
        [0, 4],
      ]),
    ).toBeNull();
  });

  it('rasterises with unbiased area', () => {
    const poly: Vec2[] = [
      [3.3, 2.1],
      [40.7, 8.2],
      [30.2, 35.9],
      [6.1, 28.4],
    ];
    let cells = 0;
    forEachPolygonSpan(poly, 50, 50, (_r, x0, x1) => (cells += x1 - x0));
    expect(Math.abs(cells - polygonArea(poly)) / polygonArea(poly)).toBeLessThan(0.03);
  });

  it('clips spans to the grid', () => {
    let cells = 0;
    forEachPolygonSpan(
      [
        [-5, -5],
        [15, -5],
        [15, 15],
        [-5, 15],
      ],
      10,
      10,
      (_r, x0, x1) => (cells += x1 - x0),
    );
    expect(cells).toBe(100);
  });

  it('centroid and convex hull', () => {
    expect(polygonCentroid(square)).toEqual([2, 2]);
    expect(convexHull([...square, [2, 2], [1, 3]])).toHaveLength(4);
  });
});
