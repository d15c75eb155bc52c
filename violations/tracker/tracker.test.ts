import { describe, expect, it } from 'vitest';
import type { BoxXYXY } from '../../detector/types.js';
import { jittered, rng, shifted } from '../test-support/timeline.js';
import { Tracker } from './tracker.js';
import type { FrameMeta, TrackInput } from './track-types.js';

const CAR: BoxXYXY = [250, 450, 420, 560];
const frame = (t: number): FrameMeta => ({ ptsS: t, width: 1280, height: 720 });
const car = (box: BoxXYXY, score = 0.85, appearance?: number[]): TrackInput => ({
  label: 'vehicle',
  score,
  box,
  ...(appearance ? { appearance } : {}),
});

function feed(tracker: Tracker, times: readonly number[], at: (t: number) => TrackInput[]): void {
  for (const t of times) tracker.update(t, frame(t), at(t));
}

const range = (from: number, to: number, step = 1): number[] => {
  const out: number[] = [];
  for (let t = from; t <= to; t += step) out.push(t);
  return out;
};

describe('tracker', () => {
  it('keeps one stationary track through ±3 px jitter, counting from the first observation', () => {
    const tr = new Tracker();
    const r = rng(1);
    feed(tr, range(0, 120), () => [car(jittered(CAR, r))]);
    const tracks = tr.liveTracks();
    expect(tracks).toHaveLength(1);
    expect(tracks[0]!.stationary).toBe(true);
    expect(tracks[0]!.stationarySince).toBe(0);
    expect(tracks[0]!.hits).toBe(121);
  });

  it('survives a 10 s occlusion without restarting the dwell', () => {
    const tr = new Tracker();
    const r = rng(2);
    feed(tr, range(0, 150), (t) => (t > 60 && t <= 70 ? [] : [car(jittered(CAR, r))]));
    const [track] = tr.liveTracks();
    expect(tr.liveTracks()).toHaveLength(1);
    expect(track!.id).toBe('t1');
    expect(track!.stationarySince).toBe(0);
  });

  it('measures dwell in time, not frames, with irregular sampling', () => {
    const r = rng(3);
    const irregular: number[] = [];
    for (let t = 0; t <= 200; t += 0.5 + r() * 3) irregular.push(Math.round(t * 100) / 100);
    const tr = new Tracker();
    feed(tr, irregular, () => [car(jittered(CAR, r))]);
    const [track] = tr.liveTracks();
    expect(track!.stationarySince).toBe(0);
    expect(track!.lastSeenS).toBe(irregular[irregular.length - 1]);
    expect(track!.hits).toBe(irregular.length);
  });

  it('dates a stop to the arrival, not to when it was declared stationary', () => {
    const tr = new Tracker();
    feed(tr, range(0, 60), (t) => [car(t < 10 ? shifted(CAR, -40 * (10 - t)) : CAR)]);
    const [track] = tr.liveTracks();
    expect(track!.stationary).toBe(true);
    expect(track!.stationarySince).toBeGreaterThanOrEqual(9);
    expect(track!.stationarySince).toBeLessThanOrEqual(11);
  });

  it('keeps two cars side by side as two tracks', () => {
    const tr = new Tracker();
    const r = rng(4);
    const right = shifted(CAR, 175);
    feed(tr, range(0, 60), () => [car(jittered(CAR, r)), car(jittered(right, r))]);
    expect(tr.liveTracks()).toHaveLength(2);
    expect(tr.liveTracks().every((t) => t.stationary && t.hits === 61)).toBe(true);
  });

  it('extends tracks with low-score detections but never starts one from them', () => {
    const tr = new Tracker();
    feed(tr, range(0, 5), (t) => [car(CAR, t < 3 ? 0.8 : 0.2), car([800, 100, 900, 180], 0.2)]);
    expect(tr.liveTracks()).toHaveLength(1);
    expect(tr.liveTracks()[0]!.hits).toBe(6);
  });

  it("starts tracks at a label's calibrated start score, and never above highScore", () => {
    const bin = (score: number): TrackInput => ({ label: 'bin_overflow', score, box: [800, 300, 860, 390] });
    const tr = new Tracker({ startScores: { bin_overflow: 0.25, vehicle: 0.9 } });
    feed(tr, range(0, 3), () => [bin(0.3), car(CAR, 0.6), car([20, 20, 120, 90], 0.3)]);
    // The bin starts at its own 0.3 >= 0.25; 0.9 for vehicles cannot raise the bar above 0.5,
    // so the 0.6 car starts and the 0.3 car does not.
    expect(tr.liveTracks().map((t) => `${t.label}:${t.hits}`)).toEqual(['bin_overflow:4', 'vehicle:4']);
    const plain = new Tracker();
    feed(plain, range(0, 3), () => [bin(0.3)]);
    expect(plain.liveTracks()).toHaveLength(0);
  });

  it('matches per class', () => {
    const tr = new Tracker();
    feed(tr, range(0, 3), () => [car(CAR), { label: 'person', score: 0.9, box: CAR }]);
    expect(
      tr
        .liveTracks()
        .map((t) => t.label)
        .sort(),
    ).toEqual(['person', 'vehicle']);
  });

  it('needs several moved observations to leave the stationary state (camera shake)', () => {
    const tr = new Tracker();
    feed(tr, range(0, 40), (t) => [car(t === 30 || t === 31 ? shifted(CAR, 35, 12) : CAR)]);
    expect(tr.liveTracks()[0]!.stationarySince).toBe(0);

    const moved = new Tracker();
    feed(moved, range(0, 40), (t) => [car(t >= 30 ? shifted(CAR, 45 + (t - 30), 0) : CAR)]);
    const [track] = moved.liveTracks();
    expect(track!.id).toBe('t1');
    expect(track!.stationarySince === null || track!.stationarySince >= 30).toBe(true);
  });

  it('lets a matching appearance carry a borderline box, and not a different one', () => {
    const red = [1, 0.1, 0.1];
    const blue = [0.1, 0.1, 1];
    const unit = (v: number[]) => v.map((x) => x / Math.hypot(...v));
    const nudged = shifted(CAR, 40);
    const run = (look: number[]) => {
      const tr = new Tracker({ exitStreak: 2 });
      feed(tr, range(0, 40), (t) => [car(t >= 30 ? nudged : CAR, 0.85, unit(t >= 30 ? look : red))]);
      return tr.liveTracks()[0]!;
    };
    expect(run(red).stationarySince).toBe(0);
    expect(run(blue).stationarySince).not.toBe(0);
  });

  it('does not let a slow bus passing in front take over a parked car', () => {
    // The bus box overlaps the car at IoU ≈ 0.33: enough to continue a moving track, not a parked one.
    const bus = (t: number): BoxXYXY => shifted([200, 420, 520, 600], (t - 40) * 3);
    const scene = (t: number) => (t >= 40 && t < 50 ? [car(bus(t))] : [car(CAR)]);
    const tr = new Tracker();
    feed(tr, range(0, 60), scene);
    expect(tr.liveTracks().find((t) => t.id === 't1')?.stationarySince).toBe(0);

    const naive = new Tracker({ stationaryMatchIou: 0.3 });
    feed(naive, range(0, 60), scene);
    expect(naive.liveTracks().find((t) => t.id === 't1')?.stationarySince).not.toBe(0);
  });

  it('drops lost moving tracks quickly and stationary ones only after their longer grace', () => {
    const tr = new Tracker();
    feed(tr, range(0, 5), (t) => [car(shifted([0, 100, 100, 160], 30 * t))]);
    feed(tr, range(6, 12), () => []);
    expect(tr.liveTracks()).toHaveLength(0);

    const parked = new Tracker();
    feed(parked, range(0, 30), () => [car(CAR)]);
    feed(parked, range(31, 55), () => []);
    expect(parked.liveTracks()).toHaveLength(1);
    feed(parked, range(56, 65), () => []);
    expect(parked.liveTracks()).toHaveLength(0);
  });

  it('snapshots to JSON and resumes the same tracks', () => {
    const a = new Tracker();
    const r = rng(5);
    feed(a, range(0, 50), () => [car(jittered(CAR, r))]);
    const b = new Tracker();
    b.restore(JSON.parse(JSON.stringify(a.snapshot())));
    feed(b, range(51, 100), () => [car(jittered(CAR, r))]);
    expect(b.liveTracks()).toHaveLength(1);
    expect(b.liveTracks()[0]).toMatchObject({ id: 't1', stationarySince: 0, hits: 101 });
    expect(() => b.restore({ version: 2 } as never)).toThrow(/version-1/);
  });
});
