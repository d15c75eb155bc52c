import { describe, expect, it } from 'vitest';
import type { BoxXYXY, Detection } from '../../detector/types.js';
import { cameraConfig, det, jittered, opened, rng, run, shifted } from '../test-support/timeline.js';
import { ViolationEngine } from '../violation-engine.js';

const BIN: BoxXYXY = [900, 420, 980, 540];
/** Rubbish heaped on and above the rim. */
const OVERFLOW: BoxXYXY = [890, 390, 995, 470];
/** Rubbish on the pavement far from any bin. */
const PILE: BoxXYXY = [700, 560, 820, 640];

const config = cameraConfig({
  zones: [
    {
      id: 'bins',
      type: 'bin_area',
      polygon: [
        [0.65, 0.5],
        [0.85, 0.5],
        [0.85, 0.85],
        [0.65, 0.85],
      ],
    },
  ],
});

describe('bin overflow', () => {
  it('opens one violation when a bin fills up and stays full, despite people walking past', () => {
    const engine = new ViolationEngine(config);
    const r = rng(1);
    const scene = (t: number): Detection[] => {
      const out = [det('waste_bin', jittered(BIN, r))];
      const personPassing = t % 15 === 0;
      if (personPassing) out.push(det('person', [880, 300, 960, 600]));
      // The bin fills at 31 s; from then on overflow shows except while someone stands in front.
      if (t > 30 && !personPassing) out.push(det('bin_overflow', jittered(OVERFLOW, r), 0.6));
      return out;
    };
    const events = run(engine, 0, 300, 1, scene);
    const opens = opened(events);
    expect(opens).toHaveLength(1);
    const v = opens[0]!.violation;
    expect(v).toMatchObject({ type: 'bin_overflow', zoneId: 'bins', firstSeenS: 31 });
    expect(v.lastSeenS).toBeGreaterThanOrEqual(91);
    expect(v.lastSeenS).toBeLessThanOrEqual(93);
    expect(v.evidence.start?.ptsS).toBe(31);
  });

  it('counts a garbage pile against a bin as overflow, not as loose rubbish', () => {
    const engine = new ViolationEngine(config);
    const against: BoxXYXY = [975, 470, 1060, 545];
    const events = run(engine, 0, 200, 1, () => [det('waste_bin', BIN), det('garbage_pile', against, 0.7)]);
    expect(opened(events).map((e) => e.violation.type)).toEqual(['bin_overflow']);
  });

  it('makes a pile against a bin and the bin read as overflowing one case, at the bin', () => {
    const engine = new ViolationEngine(config);
    const against: BoxXYXY = [975, 470, 1060, 545];
    // A detector that sees both the bags beside the bin and the bin itself as overflowing.
    const events = run(engine, 0, 200, 1, () => [
      det('waste_bin', BIN),
      det('bin_overflow', OVERFLOW, 0.6),
      det('garbage_pile', against, 0.7),
    ]);
    const opens = opened(events);
    expect(opens.map((e) => [e.violation.type, e.violation.zoneId])).toEqual([['bin_overflow', 'bins']]);
  });

  it('opens nothing for a person walking past a bin, even with a misdetection or two', () => {
    const engine = new ViolationEngine(config);
    const scene = (t: number): Detection[] => {
      const out = [det('waste_bin', BIN)];
      if (t >= 40 && t < 70) out.push(det('person', shifted([700, 320, 780, 600], 12 * (t - 40))));
      if (t === 50 || t === 51) out.push(det('garbage_pile', [905, 470, 985, 545], 0.55));
      if (t === 52) out.push(det('bin_overflow', OVERFLOW, 0.55));
      return out;
    };
    expect(opened(run(engine, 0, 300, 1, scene))).toHaveLength(0);
  });

  it('opens nothing for overflow seen in well under 80 % of frames', () => {
    const engine = new ViolationEngine(config);
    const scene = (t: number): Detection[] => [
      det('waste_bin', BIN),
      ...(t % 3 === 0 ? [det('bin_overflow', OVERFLOW, 0.6)] : []),
    ];
    expect(opened(run(engine, 0, 300, 1, scene))).toHaveLength(0);
  });
});

describe('loose rubbish', () => {
  it('opens one violation for a pile that stays 2 minutes', () => {
    const engine = new ViolationEngine(cameraConfig());
    const r = rng(3);
    const opens = opened(run(engine, 0, 300, 1, () => [det('garbage_pile', jittered(PILE, r), 0.65)]));
    expect(opens).toHaveLength(1);
    expect(opens[0]!.violation).toMatchObject({
      type: 'garbage_pile',
      zoneId: 'walk',
      firstSeenS: 0,
      lastSeenS: 120,
    });
  });

  it('names the frame when the pile is in no zone, and ignores one that is cleared in time', () => {
    const engine = new ViolationEngine(cameraConfig());
    const opens = opened(run(engine, 0, 200, 1, () => [det('garbage_pile', [600, 100, 700, 180])]));
    expect(opens.map((e) => e.violation.zoneId)).toEqual(['frame']);
    const cleared = new ViolationEngine(cameraConfig());
    expect(opened(run(cleared, 0, 300, 1, (t) => (t < 100 ? [det('garbage_pile', PILE)] : [])))).toHaveLength(
      0,
    );
  });
});
