import { describe, expect, it } from 'vitest';
import type { ClassMap } from '../../../detector/segmentation.js';
import {
  distanceM,
  groundOffsetToLatLon,
  intrinsicsFromFov,
  latLonToGroundOffset,
  pixelToGround,
  polygonAreaM2,
  type CameraPose,
} from '../../../video/geo/index.js';
import { parseSourceConfig } from '../../config/source-config.js';
import { pointInPolygon, polygonCentroid, type Vec2 } from '../../geometry/polygon.js';
import type { DronePose } from '../../ground/ground-locator.js';
import { ViolationEngine } from '../../violation-engine.js';
import type { Violation, ViolationEvent } from '../../violation-types.js';

const ORIGIN = { lat: 31.2304, lon: 121.4737 };
const W = 160;
const H = 120;
const K = intrinsicsFromFov(W, H, 84);

function rotatedRect(cx: number, cy: number, w: number, h: number, deg: number): Vec2[] {
  const a = (deg * Math.PI) / 180;
  const corners: Vec2[] = [
    [-w / 2, -h / 2],
    [w / 2, -h / 2],
    [w / 2, h / 2],
    [-w / 2, h / 2],
  ];
  return corners.map(([x, y]) => [
    cx + x * Math.cos(a) - y * Math.sin(a),
    cy + x * Math.sin(a) + y * Math.cos(a),
  ]);
}

/** Ground truth, east/north metres from ORIGIN: two patches over 50 m² and one well under. */
const PATCH_A = rotatedRect(-25, 15, 14, 9, 30);
const PATCH_B: Vec2[] = [
  [24, -26],
  [36, -24],
  [38, -14],
  [27, -11],
];
const PATCH_SMALL = rotatedRect(5, -30, 4, 4, 0);
const PATCHES = [PATCH_A, PATCH_B, PATCH_SMALL];
const area = (p: Vec2[]) => polygonAreaM2(p.map(([eastM, northM]) => ({ eastM, northM })));

/** The segmentation a perfect model would give from this pose: each pixel centre projected to the ground. */
function classMapFor(pose: CameraPose): ClassMap {
  const base = latLonToGroundOffset(ORIGIN, pose);
  const data = new Uint8Array(W * H);
  for (let v = 0; v < H; v++) {
    for (let u = 0; u < W; u++) {
      const g = pixelToGround(u + 0.5, v + 0.5, pose, K);
      if (!g) continue;
      const e = base.eastM + g.eastM;
      const n = base.northM + g.northM;
      // 1 = bare_soil, 2 = covered_soil elsewhere.
      data[v * W + u] = PATCHES.some((p) => pointInPolygon(e, n, p)) ? 1 : 2;
    }
  }
  return { width: W, height: H, numClasses: 4, data };
}

/** A straight pass eastwards at 60 m, a few frames looking obliquely, heading drifting. */
function flight(): { pose: DronePose; t: number }[] {
  const out: { pose: DronePose; t: number }[] = [];
  for (let i = 0; i <= 12; i++) {
    const east = -60 + i * 10;
    const at = groundOffsetToLatLon(ORIGIN.lat, ORIGIN.lon, east, -5 + (i % 3));
    const camera: CameraPose = {
      ...at,
      heightM: 60 + (i % 2),
      headingDeg: i % 4 === 1 ? 80 : 90 + i,
      pitchDeg: i % 4 === 3 ? -75 : -90,
    };
    out.push({ pose: { camera, intrinsics: K }, t: i * 2 });
  }
  return out;
}

let cachedFlight: { pose: DronePose; t: number; map: ClassMap }[] | null = null;
/** Rendering the maps is the slow part of these tests; every test flies the same route. */
function renderedFlight() {
  cachedFlight ??= flight().map((f) => ({ ...f, map: classMapFor(f.pose.camera) }));
  return cachedFlight;
}

function runFlight(engine: ViolationEngine, ptsOffset = 0): ViolationEvent[] {
  const events: ViolationEvent[] = [];
  for (const { pose, t, map } of renderedFlight()) {
    events.push(
      ...engine.processFrame({
        ptsS: t + ptsOffset,
        wallClockMs: Date.UTC(2024, 0, 8, 2) + t * 1000,
        width: 1920,
        height: 1440,
        detections: [],
        segmentation: map,
        pose,
      }),
    );
  }
  return events;
}

const droneConfig = () => parseSourceConfig({ id: 'flight-7', name: 'Route 7', kind: 'drone' });

function finalStates(events: readonly ViolationEvent[]): Violation[] {
  const byId = new Map<string, Violation>();
  for (const e of events) byId.set(e.violation.id, e.violation);
  return [...byId.values()];
}

function nearest(v: Violation, truth: Vec2[]): { distance: number; truthArea: number } {
  const [e, n] = polygonCentroid(truth);
  return {
    distance: distanceM(v.ground!, groundOffsetToLatLon(ORIGIN.lat, ORIGIN.lon, e, n)),
    truthArea: area(truth),
  };
}

describe('exposed soil from a drone', () => {
  it('merges patches across moving frames into exactly two violations with ground area and position', () => {
    const engine = new ViolationEngine(droneConfig());
    const events = [...runFlight(engine), ...engine.flush(30)];
    const violations = finalStates(events);
    expect(events.filter((e) => e.kind === 'opened')).toHaveLength(2);
    expect(violations).toHaveLength(2);
    for (const truth of [PATCH_A, PATCH_B]) {
      const matches = violations
        .map((v) => ({ v, ...nearest(v, truth) }))
        .sort((a, b) => a.distance - b.distance);
      const best = matches[0]!;
      expect(best.distance).toBeLessThan(5);
      expect(Math.abs(best.v.areaM2! - best.truthArea) / best.truthArea).toBeLessThan(0.15);
      expect(best.v).toMatchObject({ type: 'exposed_soil', zoneId: 'ground', sourceId: 'flight-7' });
      expect(best.v.polygon?.space).toBe('ground');
      expect(best.v.evidence.best?.score).toBeGreaterThan(0.5);
    }
  });

  it('updates the same violations on a second flight over the same place', () => {
    const engine = new ViolationEngine(droneConfig());
    const first = runFlight(engine);
    engine.flush(30, { close: false });
    const snapshot = JSON.parse(JSON.stringify(engine.snapshot()));
    const next = new ViolationEngine(droneConfig());
    next.restore(snapshot);
    const second = runFlight(next);
    expect(first.filter((e) => e.kind === 'opened')).toHaveLength(2);
    expect(second.filter((e) => e.kind === 'opened')).toHaveLength(0);
    expect(next.openViolations()).toHaveLength(2);
  });

  it('skips soil frames without a pose', () => {
    const engine = new ViolationEngine(droneConfig());
    const map = renderedFlight()[0]!.map;
    engine.processFrame({
      ptsS: 0,
      wallClockMs: 0,
      width: 160,
      height: 120,
      detections: [],
      segmentation: map,
    });
    expect(engine.diagnostics.soilWithoutPose).toBe(1);
  });
});

describe('exposed soil from a camera', () => {
  const config = parseSourceConfig({
    id: 'site-cam',
    name: 'Site gate',
    kind: 'camera',
    zones: [
      {
        id: 'site',
        type: 'construction_site',
        polygon: [
          [0.25, 0.5],
          [0.75, 0.5],
          [0.75, 1],
          [0.25, 1],
        ],
      },
    ],
    calibration: {
      image: [
        [0.25, 0.5],
        [0.75, 0.5],
        [0.75, 1],
        [0.25, 1],
      ],
      ground: [
        groundOffsetToLatLon(ORIGIN.lat, ORIGIN.lon, 0, 40),
        groundOffsetToLatLon(ORIGIN.lat, ORIGIN.lon, 40, 40),
        groundOffsetToLatLon(ORIGIN.lat, ORIGIN.lon, 40, 0),
        groundOffsetToLatLon(ORIGIN.lat, ORIGIN.lon, 0, 0),
      ],
    },
  });

  /** The site occupies x 20–60, y 30–60 of an 80×60 map; `bareRows` of its 30 rows are bare. */
  function siteMap(bareRows: number): ClassMap {
    const data = new Uint8Array(80 * 60).fill(2);
    for (let y = 60 - bareRows; y < 60; y++) for (let x = 20; x < 60; x++) data[y * 80 + x] = 1;
    return { width: 80, height: 60, numClasses: 4, data };
  }

  function feed(engine: ViolationEngine, rows: readonly number[]): ViolationEvent[] {
    return rows.flatMap((r, i) =>
      engine.processFrame({
        ptsS: i * 10,
        wallClockMs: 0,
        width: 640,
        height: 480,
        detections: [],
        segmentation: siteMap(r),
      }),
    );
  }

  it('opens when a share of the site is bare on three consecutive frames, with area from the calibration', () => {
    const engine = new ViolationEngine(config);
    const events = feed(engine, [0, 9, 9, 9, 9]);
    const opens = events.filter((e) => e.kind === 'opened');
    expect(opens).toHaveLength(1);
    expect(opens[0]!.violation).toMatchObject({ zoneId: 'site', firstSeenS: 10, lastSeenS: 30 });
    // 9 of 30 rows bare = 30 % of a 40 m × 40 m site.
    expect(opens[0]!.violation.areaM2).toBeCloseTo(480, 0);
  });

  it('does not open on a flicker or below the share', () => {
    expect(
      feed(new ViolationEngine(config), [9, 9, 0, 9, 9, 0, 9]).filter((e) => e.kind === 'opened'),
    ).toHaveLength(0);
    expect(
      feed(new ViolationEngine(config), [5, 5, 5, 5, 5]).filter((e) => e.kind === 'opened'),
    ).toHaveLength(0);
  });
});
