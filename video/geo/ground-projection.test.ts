import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../common/errors.js';
import { intrinsicsFromFocal35, intrinsicsFromFov } from './camera-intrinsics.js';
import {
  EARTH_RADIUS_M,
  distanceM,
  groundOffsetToLatLon,
  haversineDistance,
  latLonToGroundOffset,
} from './geodesy.js';
import { groundSampleDistance, pixelToGround, type CameraPose } from './ground-projection.js';
import { latLonPolygonAreaM2, pixelPolygonAreaM2, polygonAreaM2 } from './polygon-area.js';

// 4000 px wide, 84° HFOV: f = 2000 / tan(42°) = 2000 / 0.9004040443 = 2221.2250 px.
// At 100 m straight down: GSD = 100 / 2221.2250 = 0.0450202 m/px (4.5 cm), so the frame is
// 4000 × 0.0450202 = 180.081 m wide, which is also 2 · 100 · tan(42°) = 180.081 m.
const K = intrinsicsFromFov(4000, 3000, 84);
const GSD = 0.0450202;
const DEG_PER_M = 180 / (Math.PI * EARTH_RADIUS_M);

const pose = (over: Partial<CameraPose> = {}): CameraPose => ({
  lat: 41.4247,
  lon: 2.2341,
  heightM: 100,
  headingDeg: 0,
  pitchDeg: -90,
  ...over,
});

describe('camera intrinsics', () => {
  it('focal length from the horizontal field of view', () => {
    expect(K.fx).toBeCloseTo(2221.225, 3);
    expect(K.fy).toBe(K.fx);
    expect([K.cx, K.cy, K.width, K.height]).toEqual([2000, 1500, 4000, 3000]);
  });

  it('focal length from a 35 mm-equivalent focal length', () => {
    // √(4000² + 3000²) = 5000; 24 · 5000 / 43.27 = 2773.2840 px.
    expect(intrinsicsFromFocal35(4000, 3000, 24).fx).toBeCloseTo(2773.284, 3);
  });

  it('rejects impossible cameras', () => {
    expect(() => intrinsicsFromFov(0, 3000, 84)).toThrow(InvalidInputError);
    expect(() => intrinsicsFromFov(4000, 3000, 180)).toThrow(InvalidInputError);
    expect(() => intrinsicsFromFocal35(4000, 3000, -1)).toThrow(InvalidInputError);
  });
});

describe('ground sample distance and pixel projection', () => {
  it('nadir GSD = h / f', () => {
    expect(groundSampleDistance(100, K.fx)).toBeCloseTo(GSD, 6);
    expect(() => groundSampleDistance(0, K.fx)).toThrow(InvalidInputError);
  });

  it('the centre pixel at nadir is the point below the drone', () => {
    const g = pixelToGround(K.cx, K.cy, pose(), K)!;
    expect(g.eastM).toBeCloseTo(0, 9);
    expect(g.northM).toBeCloseTo(0, 9);
    expect(g.lat).toBeCloseTo(41.4247, 12);
  });

  it('100 px right of centre at nadir is 100 · GSD to the camera’s right, rotated by heading', () => {
    // Heading 0 (north): right is east, 100 · 0.0450202 = 4.50202 m.
    const north = pixelToGround(K.cx + 100, K.cy, pose(), K)!;
    expect(north.eastM).toBeCloseTo(4.50202, 4);
    expect(north.northM).toBeCloseTo(0, 9);
    expect(north.lon - 2.2341).toBeCloseTo((4.50202 * DEG_PER_M) / Math.cos((41.4247 * Math.PI) / 180), 9);
    // Heading 90° (east): right is south.
    const east = pixelToGround(K.cx + 100, K.cy, pose({ headingDeg: 90 }), K)!;
    expect(east.eastM).toBeCloseTo(0, 9);
    expect(east.northM).toBeCloseTo(-4.50202, 4);
    expect(east.lat - 41.4247).toBeCloseTo(-4.50202 * DEG_PER_M, 9);
    // 100 px above centre is forward (the image top faces the heading).
    const up = pixelToGround(K.cx, K.cy - 100, pose(), K)!;
    expect(up.northM).toBeCloseTo(4.50202, 4);
  });

  it('oblique: pitch -45°, centre pixel, 100 m up → 100 m ahead', () => {
    // δ = 45°, t = 100 / sin 45° = 141.42 m along the ray, forward = t · cos 45° = 100 m.
    const g = pixelToGround(K.cx, K.cy, pose({ pitchDeg: -45 }), K)!;
    expect(g.northM).toBeCloseTo(100, 9);
    expect(g.eastM).toBeCloseTo(0, 9);
    const e = pixelToGround(K.cx, K.cy, pose({ pitchDeg: -45, headingDeg: 90 }), K)!;
    expect(e.eastM).toBeCloseTo(100, 9);
    expect(e.northM).toBeCloseTo(0, 9);
  });

  it('returns null for rays at or above the horizon', () => {
    expect(pixelToGround(K.cx, K.cy, pose({ pitchDeg: 0 }), K)).toBeNull();
    expect(pixelToGround(K.cx, 0, pose({ pitchDeg: -10 }), K)).toBeNull();
    expect(pixelToGround(K.cx, K.cy, pose({ pitchDeg: 20 }), K)).toBeNull();
    expect(pixelToGround(K.cx, K.cy, pose({ heightM: 0 }), K)).toBeNull();
  });
});

describe('ground polygons and distances', () => {
  it('a 200 × 200 px square at nadir covers (200 · GSD)² whatever the heading', () => {
    const square = [
      { x: K.cx - 100, y: K.cy - 100 },
      { x: K.cx + 100, y: K.cy - 100 },
      { x: K.cx + 100, y: K.cy + 100 },
      { x: K.cx - 100, y: K.cy + 100 },
    ];
    // (200 · 0.0450202)² = 9.00404² = 81.0727 m².
    expect(pixelPolygonAreaM2(square, pose(), K)).toBeCloseTo(81.0727, 3);
    expect(pixelPolygonAreaM2(square, pose({ headingDeg: 37 }), K)).toBeCloseTo(81.0727, 3);
    expect(pixelPolygonAreaM2(square, pose({ pitchDeg: 0 }), K)).toBeNull();
  });

  it('shoelace area, lat/lon polygons, distances', () => {
    expect(
      polygonAreaM2([
        { eastM: 0, northM: 0 },
        { eastM: 0, northM: 10 },
        { eastM: 20, northM: 10 },
        { eastM: 20, northM: 0 },
      ]),
    ).toBe(200);
    const a = { lat: 41.4247, lon: 2.2341 };
    const corners = [
      a,
      groundOffsetToLatLon(a.lat, a.lon, 30, 0),
      groundOffsetToLatLon(a.lat, a.lon, 30, 40),
      groundOffsetToLatLon(a.lat, a.lon, 0, 40),
    ];
    expect(latLonPolygonAreaM2(corners)).toBeCloseTo(1200, 1);
    // 1° of latitude on R = 6,378,137 m is 111,319.49 m.
    expect(haversineDistance({ lat: 0, lon: 0 }, { lat: 1, lon: 0 })).toBeCloseTo(111_319.49, 1);
    expect(distanceM(a, corners[2]!)).toBeCloseTo(50, 2);
    expect(haversineDistance(a, corners[2]!)).toBeCloseTo(50, 2);
    const back = latLonToGroundOffset(a, corners[2]!);
    expect(back.eastM).toBeCloseTo(30, 6);
    expect(back.northM).toBeCloseTo(40, 6);
    // Across the antimeridian the short way is 2 · 0.5° of longitude at the equator.
    expect(distanceM({ lat: 0, lon: 179.5 }, { lat: 0, lon: -179.5 })).toBeCloseTo(111_319.49, 1);
  });
});
