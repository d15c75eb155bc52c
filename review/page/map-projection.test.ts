import { describe, expect, it } from 'vitest';
import { fitProjection, scaleBar } from './map-projection.js';

describe('fitProjection', () => {
  it('fits every point inside the padded canvas with north up and east right', () => {
    const points = [
      { lat: 30.27, lon: 120.15 },
      { lat: 30.28, lon: 120.17 },
      { lat: 30.265, lon: 120.16 },
    ];
    const p = fitProjection(points, 300, 200, 20);
    expect(p).toBeDefined();
    for (const pt of points) {
      const { x, y } = p!.toPixel(pt);
      expect(x).toBeGreaterThanOrEqual(20 - 1e-9);
      expect(x).toBeLessThanOrEqual(280 + 1e-9);
      expect(y).toBeGreaterThanOrEqual(20 - 1e-9);
      expect(y).toBeLessThanOrEqual(180 + 1e-9);
    }
    const south = p!.toPixel({ lat: 30.265, lon: 120.16 });
    const north = p!.toPixel({ lat: 30.28, lon: 120.16 });
    expect(north.y).toBeLessThan(south.y);
    expect(p!.toPixel({ lat: 30.27, lon: 120.17 }).x).toBeGreaterThan(
      p!.toPixel({ lat: 30.27, lon: 120.15 }).x,
    );
  });

  it('keeps metres equal in both directions (cos-lat scaling)', () => {
    const p = fitProjection([{ lat: 60, lon: 10 }], 400, 400, 10)!;
    const c = p.toPixel({ lat: 60, lon: 10 });
    const east = p.toPixel({ lat: 60, lon: 10 + 0.002 });
    const north = p.toPixel({ lat: 60 + 0.001, lon: 10 });
    // 0.002° of longitude at 60° N is as long as 0.001° of latitude.
    expect(east.x - c.x).toBeCloseTo(c.y - north.y, 1);
  });

  it('centres a lone point with a few streets of view, and gives up on nothing to show', () => {
    const p = fitProjection([{ lat: 30, lon: 120 }], 200, 100, 10)!;
    expect(p.toPixel({ lat: 30, lon: 120 })).toEqual({ x: 100, y: 50 });
    expect(p.pixelsPerMetre).toBeCloseTo(80 / 400, 6);
    expect(fitProjection([], 200, 100, 10)).toBeUndefined();
    expect(fitProjection([{ lat: 30, lon: 120 }], 10, 10, 10)).toBeUndefined();
  });
});

describe('scaleBar', () => {
  it('picks the longest round length that fits', () => {
    expect(scaleBar(0.5, 120)).toEqual({ metres: 200, pixels: 100 });
    expect(scaleBar(0.01, 120)).toEqual({ metres: 10_000, pixels: 100 });
    expect(scaleBar(1, 4)).toEqual({ metres: 2, pixels: 2 });
  });
});
