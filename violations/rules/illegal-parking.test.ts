import { describe, expect, it } from 'vitest';
import type { BoxXYXY, Detection } from '../../detector/types.js';
import { cameraConfig, det, jittered, opened, rng, run, shifted } from '../test-support/timeline.js';
import { ViolationEngine } from '../violation-engine.js';

/** Bottom-centre (335, 560) of 1280×720 = (0.26, 0.78): inside the `bay` no-parking zone. */
const PARKED: BoxXYXY = [250, 450, 420, 560];
const STEP = 1;

/** Drives in from the left, stands still from `stopAt` to `leaveAt`, then drives off. */
function carVisit(stopAt: number, leaveAt: number, spot: BoxXYXY = PARKED, seed = 1) {
  const r = rng(seed);
  return (t: number): Detection[] => {
    if (t < stopAt) return [det('vehicle', shifted(spot, -40 * (stopAt - t)))];
    if (t <= leaveAt) return [det('vehicle', jittered(spot, r))];
    const gone = shifted(spot, 60 * (t - leaveAt));
    return gone[0] < 1280 ? [det('vehicle', gone)] : [];
  };
}

describe('illegal parking', () => {
  it('opens one violation about the threshold after the car stopped, with start and threshold photos', () => {
    const engine = new ViolationEngine(cameraConfig());
    const events = run(engine, 0, 260, STEP, carVisit(10, 250));
    const opens = opened(events);
    expect(opens).toHaveLength(1);
    const v = opens[0]!.violation;
    expect(v).toMatchObject({ type: 'illegal_parking', zoneId: 'bay', sourceId: 'cam-1', trackIds: ['t1'] });
    const detectedAt = v.lastSeenS;
    expect(detectedAt - 10).toBeGreaterThanOrEqual(180);
    expect(detectedAt - 10).toBeLessThanOrEqual(180 + 2 * STEP);
    expect(v.firstSeenS).toBeGreaterThanOrEqual(9);
    expect(v.firstSeenS).toBeLessThanOrEqual(11);
    expect(v.evidence.start?.ptsS).toBe(v.firstSeenS);
    expect(v.evidence.threshold?.ptsS).toBe(detectedAt);
    expect(v.evidence.best).toBeDefined();
    expect(v.confidence).toBeGreaterThan(0.6);
    expect(v.ruleParams).toMatchObject({ minDwellSeconds: 180 });
    expect(v.id).toBe(`cam-1:illegal_parking:bay:${v.placeKey.split(':')[2]}:${Math.round(v.firstSeenS)}`);

    const closes = [...events, ...engine.flush(261)].filter((e) => e.kind === 'closed');
    expect(closes).toHaveLength(1);
    expect(closes[0]!.violation.id).toBe(v.id);
  });

  it('opens nothing for a 90 s stop', () => {
    const engine = new ViolationEngine(cameraConfig());
    expect(opened(run(engine, 0, 200, STEP, carVisit(10, 100)))).toHaveLength(0);
  });

  it('opens nothing for a car parked beside the zone', () => {
    const engine = new ViolationEngine(cameraConfig({ zones: [] }));
    expect(opened(run(engine, 0, 300, STEP, carVisit(0, 300)))).toHaveLength(0);
    const beside = new ViolationEngine(cameraConfig());
    // Bottom-centre x = 0.53: between the bay (≤ 0.5) and the pavement (≥ 0.55).
    expect(opened(run(beside, 0, 300, STEP, carVisit(0, 300, [600, 450, 760, 560])))).toHaveLength(0);
  });

  it('counts a car already parked when the stream starts', () => {
    const engine = new ViolationEngine(cameraConfig());
    const opens = opened(run(engine, 0, 200, STEP, carVisit(0, 300)));
    expect(opens).toHaveLength(1);
    expect(opens[0]!.violation.firstSeenS).toBe(0);
    expect(opens[0]!.violation.lastSeenS).toBe(180);
  });

  it('keeps two cars side by side apart', () => {
    const engine = new ViolationEngine(cameraConfig());
    const right: BoxXYXY = [430, 450, 600, 560];
    const a = carVisit(0, 300, PARKED, 1);
    const b = carVisit(0, 300, right, 2);
    const opens = opened(run(engine, 0, 200, STEP, (t) => [...a(t), ...b(t)]));
    expect(opens).toHaveLength(2);
    expect(new Set(opens.map((e) => e.violation.id)).size).toBe(2);
    expect(new Set(opens.map((e) => e.violation.placeKey)).size).toBe(2);
  });

  it('does not restart the dwell over a 10 s occlusion, nor open twice', () => {
    const engine = new ViolationEngine(cameraConfig());
    const visit = carVisit(0, 400);
    const events = run(engine, 0, 300, STEP, (t) => (t > 100 && t <= 110 ? [] : visit(t)));
    const opens = opened(events);
    expect(opens).toHaveLength(1);
    expect(opens[0]!.violation.lastSeenS).toBe(180);
  });

  it('updates the open violation when a long-lost car is found again at the same place', () => {
    const engine = new ViolationEngine(cameraConfig());
    const visit = carVisit(0, 600);
    // 60 s without detections: longer than the tracker keeps a parked car, so it gets a new track.
    const events = run(engine, 0, 400, STEP, (t) => (t > 200 && t <= 260 ? [] : visit(t)));
    expect(opened(events)).toHaveLength(1);
    const last = events.filter((e) => e.kind === 'updated').at(-1)!;
    expect(last.violation.trackIds).toEqual(['t1', 't2']);
    expect(last.violation.lastSeenS).toBeGreaterThan(260);
  });

  it('dwell follows time under irregular sampling', () => {
    const r = rng(9);
    const times: number[] = [];
    for (let t = 0; t <= 260; t += 0.4 + r() * 4) times.push(Math.round(t * 100) / 100);
    const engine = new ViolationEngine(cameraConfig());
    const opens = opened(run(engine, 0, 0, 1, carVisit(0, 400), { times }));
    expect(opens).toHaveLength(1);
    const at = opens[0]!.violation.lastSeenS;
    expect(at).toBeGreaterThanOrEqual(180);
    expect(at).toBeLessThanOrEqual(180 + 2 * 4.4);
  });

  it('ignores small, weak, brief and masked objects', () => {
    const small = new ViolationEngine(cameraConfig());
    expect(opened(run(small, 0, 250, STEP, () => [det('vehicle', [300, 540, 308, 560])]))).toHaveLength(0);
    const weak = new ViolationEngine(cameraConfig({ rules: { illegal_parking: { minMedianScore: 0.6 } } }));
    expect(opened(run(weak, 0, 250, STEP, () => [det('vehicle', PARKED, 0.55)]))).toHaveLength(0);
    // A flash: a burst of detections for two frames out of every hundred.
    const flash = new ViolationEngine(cameraConfig());
    expect(
      opened(run(flash, 0, 400, STEP, (t) => (t % 100 < 2 ? [det('vehicle', PARKED)] : []))),
    ).toHaveLength(0);
    const masked = new ViolationEngine(
      cameraConfig({
        zones: [
          {
            id: 'bay',
            type: 'no_parking',
            polygon: [
              [0.1, 0.5],
              [0.5, 0.5],
              [0.5, 0.95],
              [0.1, 0.95],
            ],
          },
          {
            id: 'private',
            type: 'mask',
            polygon: [
              [0.2, 0.6],
              [0.3, 0.6],
              [0.3, 0.9],
              [0.2, 0.9],
            ],
          },
        ],
      }),
    );
    expect(opened(run(masked, 0, 250, STEP, () => [det('vehicle', PARKED)]))).toHaveLength(0);
    expect(masked.diagnostics.masked).toBe(251);
  });
});
