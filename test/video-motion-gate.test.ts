import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../common/errors.js';
import type { RawImage } from '../repositories/media-repository.js';
import { FileFrameSource } from '../video/file-frame-source.js';
import { MotionGate, type GateDecision } from '../video/motion-gate.js';
import { sharedAsset } from './support/shared-assets.js';

const W = 320;
const H = 180;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** A textured street-like background: 8×8 blocks of random colour. */
function background(seed = 1): RawImage {
  const r = rng(seed);
  const data = new Uint8Array(W * H * 3);
  const blocks = Array.from({ length: (W / 8) * Math.ceil(H / 8) }, () => [
    r() * 200 + 20,
    r() * 200 + 20,
    r() * 200 + 20,
  ]);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const c = blocks[Math.floor(y / 8) * (W / 8) + Math.floor(x / 8)]!;
      data.set(c, (y * W + x) * 3);
    }
  }
  return { data, width: W, height: H };
}

/** Sensor noise, a moving block, and a global tone change, each optional. */
function frame(
  base: RawImage,
  seed: number,
  o: { block?: { x: number; y: number }; tone?: (v: number) => number; irMode?: boolean } = {},
): RawImage {
  const r = rng(seed);
  const data = new Uint8Array(base.data.length);
  for (let i = 0; i < data.length; i += 3) {
    let [red, green, blue] = [base.data[i]!, base.data[i + 1]!, base.data[i + 2]!];
    if (o.irMode) {
      // Night IR: monochrome with a response unrelated to visible luma.
      const v = (red * 0.1 + green * 0.2 + blue * 0.7) * 1.1;
      [red, green, blue] = [v, v, v];
    }
    const n = (r() - 0.5) * 6;
    for (const [k, v] of [red, green, blue].entries()) {
      const toned = o.tone ? o.tone(v) : v;
      data[i + k] = Math.max(0, Math.min(255, Math.round(toned + n)));
    }
  }
  if (o.block) {
    for (let y = o.block.y; y < o.block.y + 24; y++) {
      for (let x = o.block.x; x < o.block.x + 24; x++) data.set([250, 250, 240], (y * W + x) * 3);
    }
  }
  return { data, width: W, height: H };
}

describe('MotionGate', () => {
  const bg = background();

  it('skips a static scene but forces analysis every N seconds of timestamps', () => {
    const gate = new MotionGate({ forceEveryS: 5 });
    const decisions: [number, GateDecision][] = [];
    for (let i = 0; i <= 24; i++)
      decisions.push([i / 2, gate.decide({ image: frame(bg, i + 10), ptsS: i / 2 })]);
    const analysed = decisions.filter(([, d]) => d.analyse);
    expect(analysed.map(([t, d]) => [t, d.reason])).toEqual([
      [0, 'first'],
      [5, 'forced'],
      [10, 'forced'],
    ]);
    for (const [, d] of decisions.filter(([, d]) => !d.analyse)) {
      expect(d.reason).toBe('static');
      expect(d.changedCells).toBeLessThan(4);
    }
  });

  it('detects a small moving object', () => {
    const gate = new MotionGate({ forceEveryS: 60 });
    gate.decide({ image: frame(bg, 1), ptsS: 0 });
    expect(gate.decide({ image: frame(bg, 2), ptsS: 0.2 }).analyse).toBe(false);
    const moving = [40, 70, 100, 130].map((x, i) =>
      gate.decide({ image: frame(bg, 3 + i, { block: { x, y: 80 } }), ptsS: 0.4 + i * 0.2 }),
    );
    for (const d of moving) {
      expect(d.reason).toBe('motion');
      expect(d.changedFraction).toBeLessThan(0.1);
    }
    // It stops (parks): static again, relative to the last analysed frame.
    expect(gate.decide({ image: frame(bg, 9, { block: { x: 130, y: 80 } }), ptsS: 1.4 }).reason).toBe(
      'static',
    );
  });

  it('ignores a global brightness/contrast step and a gamma change', () => {
    const gate = new MotionGate();
    gate.decide({ image: frame(bg, 1), ptsS: 0 });
    const step = gate.decide({ image: frame(bg, 2, { tone: (v) => v * 0.55 + 40 }), ptsS: 0.5 });
    expect(step).toMatchObject({ analyse: false, reason: 'static' });
    const gamma = gate.decide({ image: frame(bg, 3, { tone: (v) => 255 * (v / 255) ** 1.4 }), ptsS: 1 });
    expect(gamma).toMatchObject({ analyse: false, reason: 'static' });
    // A moving object under the new lighting is still seen.
    const moved = gate.decide({
      image: frame(bg, 4, { tone: (v) => v * 0.55 + 40, block: { x: 200, y: 40 } }),
      ptsS: 1.5,
    });
    expect(moved.reason).toBe('motion');
  });

  it('treats a day/night (IR) switch as a global change, not motion', () => {
    const gate = new MotionGate();
    gate.decide({ image: frame(bg, 1), ptsS: 0 });
    const sw = gate.decide({ image: frame(bg, 2, { irMode: true }), ptsS: 1 });
    expect(sw).toMatchObject({ analyse: false, reason: 'global-change' });
    expect(sw.changedFraction).toBeGreaterThan(0.5);
    // The night look is the new reference: the next night frame is static.
    expect(gate.decide({ image: frame(bg, 3, { irMode: true }), ptsS: 2 }).reason).toBe('static');
  });

  it('runs on real video: every sampled frame of a busy street at night is cheap to gate', async () => {
    const gate = new MotionGate({ forceEveryS: 3 });
    const source = await FileFrameSource.open(sharedAsset('media/street_night.mp4'), { fps: 5, width: 320 });
    const decisions: GateDecision[] = [];
    const t0 = performance.now();
    for await (const f of source) decisions.push(gate.decide(f));
    expect(decisions.length).toBeGreaterThan(60);
    expect(decisions.filter((d) => d.reason === 'motion').length).toBeGreaterThan(decisions.length / 2);
    expect((performance.now() - t0) / decisions.length).toBeLessThan(100);
  });

  it('validates options', () => {
    expect(() => new MotionGate({ forceEveryS: 0 })).toThrow(InvalidInputError);
    expect(() => new MotionGate({ globalChangeFraction: 1.5 })).toThrow(InvalidInputError);
  });
});
