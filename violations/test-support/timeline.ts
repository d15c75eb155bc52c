import type { BoxXYXY, Detection } from '../../detector/types.js';
import { parseSourceConfig, type SourceConfig } from '../config/source-config.js';
import type { FrameInput, ViolationEngine } from '../violation-engine.js';
import type { ViolationEvent } from '../violation-types.js';

export const WIDTH = 1280;
export const HEIGHT = 720;
/** Monday 2024-01-08 10:00 in Asia/Shanghai (02:00 UTC). */
export const MONDAY_10AM_SHANGHAI = Date.UTC(2024, 0, 8, 2, 0, 0);

/** Small seeded generator (mulberry32) so jitter is the same on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function det(canonical: string, box: BoxXYXY, score = 0.85): Detection {
  return { label: canonical, canonical, score, box };
}

export function jittered(box: BoxXYXY, random: () => number, amp = 3): BoxXYXY {
  return box.map((v) => v + (random() * 2 - 1) * amp) as BoxXYXY;
}

export function shifted(box: BoxXYXY, dx: number, dy = 0): BoxXYXY {
  return [box[0] + dx, box[1] + dy, box[2] + dx, box[3] + dy];
}

/** A camera with a no-parking bay on the left, a pavement along the bottom and a vending area. */
export function cameraConfig(patch: Record<string, unknown> = {}): SourceConfig {
  return parseSourceConfig(
    {
      id: 'cam-1',
      name: 'Test camera',
      kind: 'camera',
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
          id: 'walk',
          type: 'pavement',
          polygon: [
            [0.55, 0.5],
            [0.95, 0.5],
            [0.95, 0.95],
            [0.55, 0.95],
          ],
        },
        {
          id: 'market',
          type: 'vending_allowed',
          polygon: [
            [0.8, 0.5],
            [0.95, 0.5],
            [0.95, 0.95],
            [0.8, 0.95],
          ],
        },
        {
          id: 'clock',
          type: 'mask',
          polygon: [
            [0, 0],
            [0.3, 0],
            [0.3, 0.08],
            [0, 0.08],
          ],
        },
      ],
      ...patch,
    },
    'test',
  );
}

export interface RunOptions {
  wallClock0?: number;
  /** pts of each frame; defaults to from, from + step, ... to. */
  times?: readonly number[];
  extra?: (t: number) => Partial<FrameInput>;
}

/** Feeds a synthetic timeline into an engine and collects every event. */
export function run(
  engine: ViolationEngine,
  from: number,
  to: number,
  step: number,
  detectionsAt: (t: number) => Detection[],
  opts: RunOptions = {},
): ViolationEvent[] {
  const times: number[] = [];
  if (opts.times) times.push(...opts.times);
  else for (let t = from; t <= to + 1e-9; t += step) times.push(Math.round(t * 1000) / 1000);
  const wall0 = opts.wallClock0 ?? MONDAY_10AM_SHANGHAI;
  const events: ViolationEvent[] = [];
  times.forEach((t, i) => {
    events.push(
      ...engine.processFrame({
        ptsS: t,
        wallClockMs: wall0 + t * 1000,
        frameIndex: i,
        width: WIDTH,
        height: HEIGHT,
        detections: detectionsAt(t),
        ...opts.extra?.(t),
      }),
    );
  });
  return events;
}

export function opened(events: readonly ViolationEvent[], type?: string): ViolationEvent[] {
  return events.filter((e) => e.kind === 'opened' && (type === undefined || e.violation.type === type));
}
