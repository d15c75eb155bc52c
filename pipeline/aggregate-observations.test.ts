import { describe, expect, it } from 'vitest';
import { checkViolation } from '../cases/violation-input.js';
import { InvalidInputError } from '../common/errors.js';
import type { BoxXYXY } from '../detector/types.js';
import { parseSourceConfig } from '../violations/config/source-config.js';
import { aggregateObservations, type AggregatorState } from './aggregate-observations.js';
import { toCaseInput } from './case-input.js';
import type { FrameObservation, PipelineEvent, SegmentAnalysis } from './pipeline-types.js';

const T0 = Date.UTC(2024, 0, 8, 2); // Monday 10:00 in Shanghai
const source = parseSourceConfig({
  id: 'cam-7',
  name: 'Test',
  kind: 'camera',
  position: { lat: 31.2, lon: 121.4 },
  zones: [
    {
      id: 'bay',
      type: 'no_parking',
      polygon: [
        [0.1, 0.5],
        [0.6, 0.5],
        [0.6, 0.95],
        [0.1, 0.95],
      ],
    },
  ],
});
const CAR: BoxXYXY = [100, 250, 300, 400];

/** A car parked in the bay from t = 0 to `until`, one frame every `step` seconds. */
function parked(until: number, step = 10, score = 0.9): FrameObservation[] {
  const out: FrameObservation[] = [];
  for (let t = 0; t <= until; t += step) {
    out.push({
      ptsS: t,
      wallClockMs: T0 + t * 1000,
      frameIndex: t / step,
      width: 640,
      height: 480,
      detections: [{ label: 'car', canonical: 'vehicle', score, box: [...CAR] }],
      appearance: [[200, 10, 10, 190, 12, 11]],
    });
  }
  return out;
}

function analysis(index: number, observations: FrameObservation[]): SegmentAnalysis {
  return {
    version: 1,
    video: 'v.mp4',
    sourceId: 'cam-7',
    segment: { index, startS: 0, endS: 0, isLast: false },
    observations,
    stats: { decoded: 0, analysed: 0, skippedStatic: 0, segmented: 0, detections: 0, withoutPose: 0 },
    models: { detector: { name: 'm', version: '1' }, segmenter: null },
    warnings: [],
  };
}

const brief = (events: PipelineEvent[]) =>
  events.map((e) => `${e.kind}:${e.type}:${e.violation.zoneId}:${e.violation.lastSeenS}`);

describe('aggregateObservations', () => {
  it('turns a parked car into an illegal_parking case with wall-clock times and evidence frames', async () => {
    const seen: PipelineEvent[] = [];
    const r = await aggregateObservations(
      {
        source,
        observations: parked(250),
        video: 'v.mp4',
        models: { detector: { name: 'm', version: '1' }, segmenter: null },
      },
      { onEvent: (e) => void seen.push(e) },
    );
    expect(brief(r.events)).toEqual([
      'opened:illegal_parking:bay:180',
      'updated:illegal_parking:bay:240',
      'closed:illegal_parking:bay:250',
    ]);
    expect(seen).toEqual(r.events);
    const opened = r.events[0]!;
    expect(opened.firstSeenAt).toBe('2024-01-08T02:00:00.000Z');
    expect(opened.lastSeenAt).toBe('2024-01-08T02:03:00.000Z');
    expect(opened.model).toEqual({ name: 'm', version: '1' });
    expect(opened.evidenceFrames.map((f) => [f.role, f.ptsS, f.video, f.frameWidth])).toEqual([
      ['start', 0, 'v.mp4', 640],
      ['threshold', 180, 'v.mp4', 640],
      ['best', 0, 'v.mp4', 640],
    ]);
    expect(r.violations).toHaveLength(1);
    expect(r.frames).toBe(26);

    // What the case store is given passes its own boundary check.
    const input = checkViolation(toCaseInput(r.events[2]!, source));
    expect(input).toMatchObject({
      type: 'illegal_parking',
      sourceId: 'cam-7',
      zoneId: 'bay',
      dwellSeconds: 250,
      location: { lat: 31.2, lon: 121.4 },
    });
    expect(input.firstSeen.toISOString()).toBe('2024-01-08T02:00:00.000Z');
  });

  it('gives the same events whether segments arrive at once, out of order, or one call at a time', async () => {
    const frames = parked(250);
    const parts = [frames.slice(0, 9), frames.slice(9, 17), frames.slice(17)].map((o, i) => analysis(i, o));
    const whole = await aggregateObservations({ source, observations: frames });
    const shuffled = await aggregateObservations({ source, analyses: [parts[2]!, parts[0]!, parts[1]!] });
    let state: AggregatorState | undefined;
    const stepwise: PipelineEvent[] = [];
    for (let i = 0; i < parts.length; i++) {
      const r = await aggregateObservations({
        source,
        analyses: [parts[i]!],
        ...(state ? { state: JSON.parse(JSON.stringify(state)) as AggregatorState } : {}),
        endOfStream: i === parts.length - 1,
      });
      state = r.state;
      stepwise.push(...r.events);
    }
    expect(brief(shuffled.events)).toEqual(brief(whole.events));
    expect(brief(stepwise)).toEqual(brief(whole.events));
    expect(stepwise.map((e) => e.firstSeenAt)).toEqual(whole.events.map((e) => e.firstSeenAt));
  });

  it("tracks as the detector's calibration says, carried on the analyses through JSON", async () => {
    const weak = parked(250, 10, 0.3);
    expect((await aggregateObservations({ source, analyses: [analysis(0, weak)] })).events).toEqual([]);
    const calibrated = analysis(0, weak);
    calibrated.models.trackStartScores = { vehicle: 0.28 };
    const r = await aggregateObservations({
      source,
      analyses: [JSON.parse(JSON.stringify(calibrated)) as SegmentAnalysis],
    });
    expect(brief(r.events)).toEqual([
      'opened:illegal_parking:bay:180',
      'updated:illegal_parking:bay:240',
      'closed:illegal_parking:bay:250',
    ]);
    // The case records which model, not how it was calibrated.
    expect(r.events[0]!.model).toEqual({ name: 'm', version: '1' });
    // A caller's own tracker options win.
    const strict = await aggregateObservations({
      source,
      analyses: [calibrated],
      engine: { tracker: { startScores: {} } },
    });
    expect(strict.events).toEqual([]);
  });

  it('keeps a violation open across calls when the stream goes on', async () => {
    const r = await aggregateObservations({ source, observations: parked(200), endOfStream: false });
    expect(brief(r.events)).toEqual(['opened:illegal_parking:bay:180']);
    expect(r.state.engine.dedupe).toBeDefined();
  });

  it('refuses segments or state of another source', async () => {
    const other = { ...analysis(0, parked(20)), sourceId: 'cam-8' };
    await expect(aggregateObservations({ source, analyses: [other] })).rejects.toThrow(InvalidInputError);
    const r = await aggregateObservations({ source, observations: parked(20) });
    const foreign = { ...r.state, sourceId: 'cam-8' };
    await expect(aggregateObservations({ source, observations: [], state: foreign })).rejects.toThrow(
      /cam-7/,
    );
  });

  it('drops odd observations without throwing', async () => {
    const odd: FrameObservation[] = [
      ...parked(30),
      { ...parked(0)[0]!, ptsS: NaN },
      {
        ...parked(0)[0]!,
        ptsS: 40,
        width: 0,
        detections: [{ label: 'x', canonical: 'vehicle', score: NaN, box: [0, 0, 0, 0] }],
      },
    ];
    const r = await aggregateObservations({ source, observations: odd });
    expect(r.events).toEqual([]);
    expect(r.diagnostics.badFrames).toBe(2);
  });
});
