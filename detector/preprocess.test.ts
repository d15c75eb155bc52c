import { describe, expect, it } from 'vitest';
import { boxToImage, computeInputTransform } from './input-transform.js';
import { buildNormalizationLut, packTensor, type NormalizationSpec } from './preprocess.js';

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

describe('packTensor', () => {
  it('writes planar channels in BGR order with mean/std and fills the padding', () => {
    const s = spec({ channelOrder: 'bgr', scale: 1, mean: [10, 20, 30], std: [2, 4, 5], padValue: 0 });
    const lut = buildNormalizationLut(s);
    const t = computeInputTransform(2, 1, 2, 2, 'letterbox', 'top-left');
    const img = { data: new Uint8Array([100, 150, 200, 50, 60, 70]), width: 2, height: 1 };
    const out = new Float32Array(12);
    packTensor(img, t, lut, s, out);
    // Channel 0 is blue: (200-10)/2, (70-10)/2; padding row is (0-mean)/std.
    expect(Array.from(out.subarray(0, 4))).toEqual([95, 30, -5, -5]);
    expect(Array.from(out.subarray(4, 8))).toEqual([(150 - 20) / 4, (60 - 20) / 4, -5, -5]);
    expect(Array.from(out.subarray(8, 12))).toEqual([(100 - 30) / 5, (50 - 30) / 5, -6, -6]);
  });

  it('packs a batch item at an offset and refuses a wrongly sized image', () => {
    const s = spec();
    const lut = buildNormalizationLut(s);
    const t = computeInputTransform(2, 2, 2, 2, 'stretch');
    const img = { data: new Uint8Array(12).fill(255), width: 2, height: 2 };
    const out = new Float32Array(24);
    packTensor(img, t, lut, s, out, 12);
    expect(out[0]).toBe(0);
    expect(out[12]).toBeCloseTo(1);
    expect(() => packTensor({ ...img, width: 1 }, t, lut, s, out)).toThrow(/expected 2x2/);
  });
});
