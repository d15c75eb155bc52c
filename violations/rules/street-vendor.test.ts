import { describe, expect, it } from 'vitest';
import type { BoxXYXY } from '../../detector/types.js';
import {
  cameraConfig,
  det,
  jittered,
  MONDAY_10AM_SHANGHAI,
  opened,
  rng,
  run,
} from '../test-support/timeline.js';
import { ViolationEngine } from '../violation-engine.js';

/** Bottom-centre (0.66, 0.83): on the `walk` pavement, outside the `market` vending area. */
const STALL: BoxXYXY = [780, 480, 910, 600];
/** Bottom-centre (0.86, 0.83): inside `market`. */
const MARKET_STALL: BoxXYXY = [1040, 480, 1170, 600];
const HOUR = 3600_000;

const weekdayDaytime = cameraConfig({
  rules: {
    street_vendor: {
      schedule: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:00', end: '20:00' }],
    },
  },
});

function stall(box: BoxXYXY, seed = 1) {
  const r = rng(seed);
  return () => [det('vendor_stall', jittered(box, r), 0.7)];
}

describe('street vendor', () => {
  it('opens one violation for a stall on the pavement inside enforcement hours', () => {
    const engine = new ViolationEngine(weekdayDaytime);
    const opens = opened(run(engine, 0, 400, 2, stall(STALL)));
    expect(opens).toHaveLength(1);
    expect(opens[0]!.violation).toMatchObject({
      type: 'street_vendor',
      zoneId: 'walk',
      firstSeenS: 0,
      lastSeenS: 300,
    });
  });

  it('opens nothing outside enforcement hours', () => {
    const engine = new ViolationEngine(weekdayDaytime);
    // Monday 21:00 in Shanghai.
    expect(
      opened(run(engine, 0, 900, 2, stall(STALL), { wallClock0: MONDAY_10AM_SHANGHAI + 11 * HOUR })),
    ).toHaveLength(0);
  });

  it('counts dwell only from the start of enforcement hours', () => {
    const engine = new ViolationEngine(weekdayDaytime);
    // Starts at 07:58; enforcement begins at 08:00, 120 s in.
    const events = run(engine, 0, 600, 2, stall(STALL), {
      wallClock0: MONDAY_10AM_SHANGHAI - 2 * HOUR - 120_000,
    });
    const opens = opened(events);
    expect(opens).toHaveLength(1);
    expect(opens[0]!.violation.firstSeenS).toBe(120);
    expect(opens[0]!.violation.lastSeenS).toBe(420);
    expect(opens[0]!.violation.evidence.start?.ptsS).toBe(120);
  });

  it('opens nothing in an approved vending area or off any roadway and pavement', () => {
    const engine = new ViolationEngine(weekdayDaytime);
    expect(opened(run(engine, 0, 400, 2, stall(MARKET_STALL)))).toHaveLength(0);
    const nowhere = new ViolationEngine(weekdayDaytime);
    expect(opened(run(nowhere, 0, 400, 2, stall([600, 100, 700, 200])))).toHaveLength(0);
  });

  it('can be switched off', () => {
    const engine = new ViolationEngine(cameraConfig({ rules: { street_vendor: { enabled: false } } }));
    expect(opened(run(engine, 0, 400, 2, stall(STALL)))).toHaveLength(0);
  });
});
