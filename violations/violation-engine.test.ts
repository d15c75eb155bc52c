import { describe, expect, it } from 'vitest';
import type { BoxXYXY, Detection } from '../detector/types.js';
import { cameraConfig, det, jittered, opened, rng, run } from './test-support/timeline.js';
import { ViolationEngine, type EngineSnapshot } from './violation-engine.js';

const PARKED: BoxXYXY = [250, 450, 420, 560];

function parkedCar(seed = 1) {
  const r = rng(seed);
  return (): Detection[] => [det('vehicle', jittered(PARKED, r))];
}

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);
const viaJson = (s: EngineSnapshot): EngineSnapshot => JSON.parse(JSON.stringify(s)) as EngineSnapshot;

describe('violation engine: clock discontinuities', () => {
  it('does not credit a +1 hour jump as dwell', () => {
    const engine = new ViolationEngine(cameraConfig());
    const times = [...range(0, 100), ...range(3700, 3900)];
    const opens = opened(run(engine, 0, 0, 1, parkedCar(), { times }));
    expect(opens).toHaveLength(1);
    const v = opens[0]!.violation;
    expect(v.dwellS).toBe(180);
    // Dwell before the jump is kept: 101 s before, 79 s after.
    expect(v.evidence.threshold?.ptsS).toBe(3779);
    expect(engine.diagnostics.clockJumps).toBe(1);
  });

  it('survives time going backwards without a giant or negative dwell', () => {
    const engine = new ViolationEngine(cameraConfig());
    const times = [...range(0, 100), ...range(5, 200)];
    const opens = opened(run(engine, 0, 0, 1, parkedCar(), { times }));
    expect(opens).toHaveLength(1);
    expect(opens[0]!.violation.dwellS).toBe(180);
    expect(opens[0]!.violation.evidence.threshold?.ptsS).toBe(84);
  });
});

describe('violation engine: snapshot and restore', () => {
  it('resumes mid-dwell in another engine and opens exactly one violation', () => {
    const a = new ViolationEngine(cameraConfig());
    const first = run(a, 0, 100, 1, parkedCar());
    const b = new ViolationEngine(cameraConfig());
    b.restore(viaJson(a.snapshot()));
    const second = run(b, 101, 300, 1, parkedCar());
    expect(opened([...first, ...second])).toHaveLength(1);
    expect(opened(second)[0]!.violation.lastSeenS).toBe(180);
  });

  it('resumes when the new worker sees pts restart from zero', () => {
    const a = new ViolationEngine(cameraConfig());
    run(a, 0, 100, 1, parkedCar());
    const b = new ViolationEngine(cameraConfig());
    b.restore(viaJson(a.snapshot()));
    const opens = opened(run(b, 0, 150, 1, parkedCar()));
    expect(opens).toHaveLength(1);
    expect(opens[0]!.violation.dwellS).toBe(180);
  });

  it('does not reopen a violation that was already open when the snapshot was taken', () => {
    const a = new ViolationEngine(cameraConfig());
    const first = run(a, 0, 200, 1, parkedCar());
    const b = new ViolationEngine(cameraConfig());
    b.restore(viaJson(a.snapshot()));
    const second = run(b, 201, 400, 1, parkedCar());
    expect(opened(first)).toHaveLength(1);
    expect(opened(second)).toHaveLength(0);
    expect(second.some((e) => e.kind === 'updated')).toBe(true);
    const closed = b.flush(401);
    expect(closed.map((e) => e.violation.id)).toEqual([opened(first)[0]!.violation.id]);
    expect(closed[0]!.reason).toBe('end_of_stream');
  });

  it('refuses a snapshot of another source or version', () => {
    const a = new ViolationEngine(cameraConfig());
    const other = new ViolationEngine(cameraConfig({ id: 'cam-2' }));
    expect(() => other.restore(a.snapshot())).toThrow(/for source 'cam-1', not 'cam-2'/);
    expect(() => a.restore({ ...a.snapshot(), version: 3 } as never)).toThrow(/version-1/);
    expect(() => a.restore({ ...a.snapshot(), tracker: null } as never)).toThrow(/snapshot/);
  });
});

describe('violation engine: suppression', () => {
  it('closes a rejected violation and keeps its place quiet until the window ends', () => {
    const engine = new ViolationEngine(cameraConfig());
    const first = opened(run(engine, 0, 200, 1, parkedCar()));
    expect(first).toHaveLength(1);
    const closed = engine.suppress(first[0]!.violation.placeKey, 1000);
    expect(closed).toMatchObject([{ kind: 'closed', reason: 'suppressed' }]);
    expect(opened(run(engine, 201, 990, 1, parkedCar()))).toHaveLength(0);
    expect(engine.diagnostics.suppressed).toBeGreaterThan(0);
    // After the window, the car (still there) is a case again.
    const again = opened(run(engine, 991, 1100, 1, parkedCar()));
    expect(again).toHaveLength(1);
    expect(again[0]!.violation.id).not.toBe(first[0]!.violation.id);
  });

  it('closes a violation whose car left, then suppresses the place for a while', () => {
    const engine = new ViolationEngine(cameraConfig());
    const events = run(engine, 0, 600, 1, (t) => (t <= 200 ? parkedCar()() : []));
    const closed = events.filter((e) => e.kind === 'closed');
    expect(closed).toHaveLength(1);
    expect(closed[0]!.reason).toBe('ended');
    expect(closed[0]!.violation.lastSeenS).toBe(200);
  });
});

describe('violation engine: hostile input', () => {
  it('never throws on odd detections and counts what it dropped', () => {
    const engine = new ViolationEngine(cameraConfig());
    const junk = [
      det('vehicle', [100, 100, 200, 200], NaN),
      det('vehicle', [100, 100, 100, 200]),
      det('vehicle', [2000, 100, 2100, 200]),
      det('vehicle', [-300, -300, -100, -100]),
      det('vehicle', [NaN, 0, 10, 10]),
      det('vehicle', [0, 0, Infinity, 10]),
      det('vehicle', [200, 200, 100, 100]),
      det('vehicle', [100, 100, 200, 200], 7),
      det('dragon', [100, 100, 200, 200]),
      { label: 'car', canonical: null, score: 0.9, box: [1, 1, 50, 50] },
      null,
      { box: [1, 2, 3] },
      'vehicle',
      det('vehicle', [1200, 600, 1400, 800]),
    ] as unknown as Detection[];
    const appearance = [new Float32Array([1, 2, 3]), undefined, 'x', null] as unknown[];
    appearance[13] = new Float32Array([NaN, 1, 2]);
    expect(() =>
      run(engine, 0, 30, 1, () => junk, {
        extra: (t) => ({
          appearance: appearance as never,
          ...(t === 3
            ? { segmentation: { width: 10, height: 10, numClasses: 4, data: new Uint8Array(3) } }
            : {}),
          ...(t === 4 ? { soilRegions: [{ area: 1, box: [0, 0, 1, 1], polygon: [[NaN, 1]] }] as never } : {}),
          ...(t === 5 ? { pose: { camera: { lat: NaN }, intrinsics: {} } as never } : {}),
        }),
      }),
    ).not.toThrow();
    expect(() =>
      engine.processFrame({ ptsS: NaN, wallClockMs: 0, width: 1280, height: 720, detections: [] }),
    ).not.toThrow();
    expect(() => engine.processFrame(null as never)).not.toThrow();
    expect(() =>
      engine.processFrame({ ptsS: 40, wallClockMs: NaN, width: 0, height: 720, detections: null as never }),
    ).not.toThrow();
    expect(() =>
      engine.processFrame({
        ptsS: 41,
        wallClockMs: NaN,
        width: 1280,
        height: 720,
        detections: null as never,
      }),
    ).not.toThrow();
    const d = engine.diagnostics;
    expect(d).toMatchObject({ badFrames: 3, badPose: 1 });
    expect(d.badScore).toBe(31 * 2);
    expect(d.emptyBox).toBe(31 * 2);
    expect(d.outsideFrame).toBe(31 * 2);
    expect(d.nonFiniteBox).toBe(31 * 2);
    expect(d.unknownLabel).toBe(31 * 3);
    expect(d.malformed).toBe(31 * 2);
    expect(d.clippedBox).toBe(31);
    expect(d.accepted).toBe(31);
    expect(d.badAppearance).toBe(31);
    expect(engine.tracks()).toHaveLength(1);
  });
});
