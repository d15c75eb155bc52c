import { describe, expect, it } from 'vitest';
import { boxToImage, computeInputTransform } from './input-transform.js';
import { buildNormalizationLut, resampleAndPack, type NormalizationSpec } from './preprocess.js';

const spec = (over: Partial<NormalizationSpec> = {}): NormalizationSpec => ({
  channelOrder: 'rgb',
  scale: 1 / 255,
  mean: [0, 0, 0],
  std: [1, 1, 1],
  padValue: 114,
  ...over,
});

describe('input transform', () => {
  it('letterboxes a wide image centred and maps boxes back', () => {
    const t = computeInputTransform(1920, 1080, 416, 416, 'letterbox', 'center');
    expect(t.resizedWidth).toBe(416);
    expect(t.resizedHeight).toBe(234);
    expect(t.padY).toBe(91);
    expect(t.padX).toBe(0);
    const box = boxToImage([0, 91, 416, 91 + 234], t);
    expect(box.map((v) => Math.round(v))).toEqual([0, 0, 1920, 1080]);
  });

  it('anchors top-left when asked', () => {
    const t = computeInputTransform(1920, 1080, 416, 416, 'letterbox', 'top-left');
    expect([t.padX, t.padY]).toEqual([0, 0]);
  });

  it('stretches without padding and scales each axis', () => {
    const t = computeInputTransform(1920, 1080, 352, 352, 'stretch');
    boxToImage([176, 176, 352, 352], t).forEach((v, i) =>
      expect(v).toBeCloseTo([960, 540, 1920, 1080][i]!, 6),
    );
  });

  it('clips mapped boxes to the image', () => {
    const t = computeInputTransform(100, 100, 100, 100, 'stretch');
    expect(boxToImage([-10, -5, 120, 50], t)).toEqual([0, 0, 100, 50]);
  });
});

describe('resampleAndPack at 1:1 (an exact pack)', () => {
  it('writes planar channels in BGR order with mean/std and fills the padding', () => {
    const s = spec({ channelOrder: 'bgr', scale: 1, mean: [10, 20, 30], std: [2, 4, 5], padValue: 0 });
    const lut = buildNormalizationLut(s);
    const t = computeInputTransform(2, 1, 2, 2, 'letterbox', 'top-left');
    const img = { data: new Uint8Array([100, 150, 200, 50, 60, 70]), width: 2, height: 1 };
    const out = new Float32Array(12);
    resampleAndPack(img, t, lut, s, out);
    // Channel 0 is blue: (200-10)/2, (70-10)/2; padding row is (0-mean)/std.
    expect(Array.from(out.subarray(0, 4))).toEqual([95, 30, -5, -5]);
    expect(Array.from(out.subarray(4, 8))).toEqual([(150 - 20) / 4, (60 - 20) / 4, -5, -5]);
    expect(Array.from(out.subarray(8, 12))).toEqual([(100 - 30) / 5, (50 - 30) / 5, -6, -6]);
  });

  it('pads left and right of a tall image letterboxed in the centre', () => {
    const s = spec({ scale: 1, padValue: 7 });
    const lut = buildNormalizationLut(s);
    const t = computeInputTransform(1, 2, 3, 2, 'letterbox', 'center');
    expect([t.padX, t.padY, t.resizedWidth]).toEqual([1, 0, 1]);
    const img = { data: new Uint8Array([10, 20, 30, 40, 50, 60]), width: 1, height: 2 };
    const out = new Float32Array(18).fill(-1);
    resampleAndPack(img, t, lut, s, out);
    expect(Array.from(out.subarray(0, 6))).toEqual([7, 10, 7, 7, 40, 7]);
    expect(Array.from(out.subarray(12, 18))).toEqual([7, 30, 7, 7, 60, 7]);
  });

  it('packs a batch item at an offset', () => {
    const s = spec();
    const lut = buildNormalizationLut(s);
    const t = computeInputTransform(2, 2, 2, 2, 'stretch');
    const img = { data: new Uint8Array(12).fill(255), width: 2, height: 2 };
    const out = new Float32Array(24);
    resampleAndPack(img, t, lut, s, out, 12);
    expect(out[0]).toBe(0);
    expect(out[12]).toBeCloseTo(1);
  });
});

describe('resampleAndPack when shrinking', () => {
  it('averages taps across the footprint for strong shrinks and interpolates for mild ones', () => {
    const s = spec({ scale: 1, padValue: 0 });
    const lut = buildNormalizationLut(s);
    // 8×1 grey ramp 0, 10, …, 70 shrunk to 2×1 (ratio 4): taps at 1 and 3 (→ 20), 5 and 7 (→ 60).
    const ramp = { data: new Uint8Array(24).map((_, i) => Math.floor(i / 3) * 10), width: 8, height: 1 };
    const t4 = computeInputTransform(8, 1, 2, 1, 'stretch');
    const out4 = new Float32Array(6);
    resampleAndPack(ramp, t4, lut, s, out4);
    expect(Array.from(out4.subarray(0, 2))).toEqual([20, 60]);
    // Ratio 1.6 (8 → 5): bilinear at source x = (d + 0.5)·1.6 − 0.5 → 0.3, 1.9, 3.5, 5.1, 6.7.
    const t16 = computeInputTransform(8, 1, 5, 1, 'stretch');
    const out16 = new Float32Array(15);
    resampleAndPack(ramp, t16, lut, s, out16);
    expect(Array.from(out16.subarray(0, 5))).toEqual([3, 19, 35, 51, 67]);
  });
});
