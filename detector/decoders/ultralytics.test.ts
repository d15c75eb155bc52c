import { describe, it, expect } from 'vitest';
import { ModelError } from '../../common/errors.js';
import type { DecodeContext, OutputTensor } from '../types.js';
import { createYoloV5Decoder, createYoloV8Decoder } from './ultralytics.js';

interface Anchor {
  cx: number;
  cy: number;
  w: number;
  h: number;
  obj?: number;
  scores: number[];
}

const ctx = (over: Partial<DecodeContext> = {}): DecodeContext => ({
  inputWidth: 640,
  inputHeight: 640,
  numClasses: 3,
  scoreThreshold: 0.25,
  batchIndex: 0,
  ...over,
});

/** [B, 4+nc, N]: one row per channel, one column per anchor. */
function v8ChannelMajor(batches: Anchor[][], nc: number): OutputTensor {
  const n = batches[0]!.length;
  const channels = 4 + nc;
  const data = new Float32Array(batches.length * channels * n);
  batches.forEach((anchors, b) =>
    anchors.forEach((a, i) => {
      const values = [a.cx, a.cy, a.w, a.h, ...a.scores];
      values.forEach((v, c) => (data[b * channels * n + c * n + i] = v));
    }),
  );
  return { dims: [batches.length, channels, n], data };
}

/** [B, N, 4+nc]: the transposed export. */
function v8AnchorMajor(batches: Anchor[][], nc: number): OutputTensor {
  const n = batches[0]!.length;
  const channels = 4 + nc;
  const data = new Float32Array(batches.length * channels * n);
  batches.forEach((anchors, b) =>
    anchors.forEach((a, i) => data.set([a.cx, a.cy, a.w, a.h, ...a.scores], (b * n + i) * channels)),
  );
  return { dims: [batches.length, n, channels], data };
}

function v5(batches: Anchor[][], nc: number): OutputTensor {
  const n = batches[0]!.length;
  const channels = 5 + nc;
  const data = new Float32Array(batches.length * channels * n);
  batches.forEach((anchors, b) =>
    anchors.forEach((a, i) =>
      data.set([a.cx, a.cy, a.w, a.h, a.obj ?? 0, ...a.scores], (b * n + i) * channels),
    ),
  );
  return { dims: [batches.length, n, channels], data };
}

const anchors: Anchor[] = [
  { cx: 100, cy: 200, w: 40, h: 60, obj: 0.9, scores: [0.1, 0.8, 0.3] },
  { cx: 300, cy: 300, w: 10, h: 10, obj: 0.9, scores: [0.1, 0.2, 0.05] }, // below threshold
  { cx: 500, cy: 50, w: 100, h: 20, obj: 0.5, scores: [0.6, 0.1, 0.2] },
];

describe('createYoloV8Decoder', () => {
  it('decodes channel-major output to corner boxes with the best class', () => {
    const decode = createYoloV8Decoder();
    const out = decode({ output0: v8ChannelMajor([anchors], 3) }, ctx());
    expect(out).toHaveLength(2);
    expect(out[0]!.box).toEqual([80, 170, 120, 230]);
    expect(out[0]!.classIndex).toBe(1);
    expect(out[0]!.score).toBeCloseTo(0.8, 6);
    expect(out[1]!.box).toEqual([450, 40, 550, 60]);
    expect(out[1]!.classIndex).toBe(0);
    expect(out[1]!.score).toBeCloseTo(0.6, 6);
  });

  it('keeps a candidate whose score equals the threshold and drops below it', () => {
    const decode = createYoloV8Decoder();
    const t = v8ChannelMajor([anchors], 3);
    expect(decode({ o: t }, ctx({ scoreThreshold: Math.fround(0.6) }))).toHaveLength(2);
    expect(decode({ o: t }, ctx({ scoreThreshold: 0.61 }))).toHaveLength(1);
    expect(decode({ o: t }, ctx({ scoreThreshold: 0.9 }))).toHaveLength(0);
    expect(decode({ o: t }, ctx({ scoreThreshold: 0 }))).toHaveLength(3);
  });

  it('reads batch item 1 of a batch of 2', () => {
    const other: Anchor[] = [
      { cx: 10, cy: 10, w: 4, h: 4, scores: [0, 0, 0.95] },
      { cx: 0, cy: 0, w: 0, h: 0, scores: [0, 0, 0] },
      { cx: 0, cy: 0, w: 0, h: 0, scores: [0, 0, 0] },
    ];
    const decode = createYoloV8Decoder();
    const t = v8ChannelMajor([anchors, other], 3);
    const out = decode({ o: t }, ctx({ batchIndex: 1 }));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ box: [8, 8, 12, 12], classIndex: 2 });
    expect(out[0]!.score).toBeCloseTo(0.95, 6);
    expect(decode({ o: t }, ctx({ batchIndex: 0 }))).toHaveLength(2);
  });

  it('accepts the transposed [B, N, 4+nc] layout with identical results', () => {
    const decode = createYoloV8Decoder();
    const a = decode({ o: v8ChannelMajor([anchors, anchors], 3) }, ctx({ batchIndex: 1 }));
    const b = decode({ o: v8AnchorMajor([anchors, anchors], 3) }, ctx({ batchIndex: 1 }));
    expect(b).toEqual(a);
    expect(b).toHaveLength(2);
  });

  it('prefers [B, 4+nc, N] when N also equals 4+nc', () => {
    // 7 anchors, 3 classes: both axes are 7, so the layout is ambiguous.
    const seven: Anchor[] = Array.from({ length: 7 }, (_, i) => ({
      cx: 10 * (i + 1),
      cy: 20,
      w: 2,
      h: 2,
      scores: i === 4 ? [0, 0.9, 0] : [0, 0, 0],
    }));
    const out = createYoloV8Decoder()({ o: v8ChannelMajor([seven], 3) }, ctx());
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ box: [49, 19, 51, 21], classIndex: 1 });
  });

  it('uses the named output, else the first one', () => {
    const good = v8ChannelMajor([anchors], 3);
    const bad: OutputTensor = { dims: [1, 2], data: new Float32Array(2) };
    expect(createYoloV8Decoder({ outputName: 'dets' })({ aux: bad, dets: good }, ctx())).toHaveLength(2);
    expect(createYoloV8Decoder()({ dets: good, aux: bad }, ctx())).toHaveLength(2);
    expect(() => createYoloV8Decoder()({ aux: bad, dets: good }, ctx())).toThrow(ModelError);
    expect(() => createYoloV8Decoder({ outputName: 'missing' })({ dets: good }, ctx())).toThrow(/missing/);
  });

  it('reuses its scratch buffers across calls of different sizes', () => {
    const decode = createYoloV8Decoder();
    const big = Array.from({ length: 10 }, (_, i): Anchor => ({
      cx: i,
      cy: 0,
      w: 2,
      h: 2,
      scores: [0.5, 0, 0],
    }));
    expect(decode({ o: v8ChannelMajor([big], 3) }, ctx())).toHaveLength(10);
    expect(decode({ o: v8ChannelMajor([anchors], 3) }, ctx())).toHaveLength(2);
  });

  it('throws ModelError naming decoder, output and both shapes on a wrong shape', () => {
    const decode = createYoloV8Decoder();
    const wrongChannels: OutputTensor = { dims: [1, 84, 8400], data: new Float32Array(84 * 8400) };
    expect(() => decode({ output0: wrongChannels }, ctx())).toThrow(ModelError);
    expect(() => decode({ output0: wrongChannels }, ctx())).toThrow(
      /YOLOv8 decoder.*"output0".*\[1, 84, 8400\].*\[B, 7, N\]/,
    );
    const wrongRank: OutputTensor = { dims: [7, 3], data: new Float32Array(21) };
    expect(() => decode({ output0: wrongRank }, ctx())).toThrow(/\[7, 3\]/);
    const short: OutputTensor = { dims: [1, 7, 3], data: new Float32Array(20) };
    expect(() => decode({ output0: short }, ctx())).toThrow(ModelError);
    expect(() => decode({ output0: v8ChannelMajor([anchors], 3) }, ctx({ batchIndex: 1 }))).toThrow(
      /batch index 1/,
    );
  });
});

describe('createYoloV5Decoder', () => {
  it('scores objectness × best class and drops low objectness early', () => {
    const out = createYoloV5Decoder()({ output: v5([anchors], 3) }, ctx());
    expect(out).toHaveLength(2);
    expect(out[0]!.box).toEqual([80, 170, 120, 230]);
    expect(out[0]!.classIndex).toBe(1);
    expect(out[0]!.score).toBeCloseTo(0.72, 5);
    expect(out[1]!.classIndex).toBe(0);
    expect(out[1]!.score).toBeCloseTo(0.3, 5);
  });

  it('applies the threshold to the product, not the class score', () => {
    const out = createYoloV5Decoder()({ output: v5([anchors], 3) }, ctx({ scoreThreshold: 0.5 }));
    expect(out).toHaveLength(1);
    expect(out[0]!.classIndex).toBe(1);
  });

  it('reads batch item 1 of a batch of 2', () => {
    const other: Anchor[] = [
      { cx: 0, cy: 0, w: 0, h: 0, obj: 0, scores: [1, 1, 1] },
      { cx: 0, cy: 0, w: 0, h: 0, obj: 0, scores: [1, 1, 1] },
      { cx: 64, cy: 32, w: 8, h: 16, obj: 1, scores: [0.2, 0.1, 0.7] },
    ];
    const out = createYoloV5Decoder()({ output: v5([anchors, other], 3) }, ctx({ batchIndex: 1 }));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ box: [60, 24, 68, 40], classIndex: 2 });
    expect(out[0]!.score).toBeCloseTo(0.7, 6);
  });

  it('throws ModelError on wrong rank or channel count', () => {
    const decode = createYoloV5Decoder();
    const wrong: OutputTensor = { dims: [1, 25200, 85], data: new Float32Array(25200 * 85) };
    expect(() => decode({ output: wrong }, ctx())).toThrow(ModelError);
    expect(() => decode({ output: wrong }, ctx())).toThrow(
      /YOLOv5 decoder.*"output".*\[1, 25200, 85\].*\[B, N, 8\]/,
    );
    // The v5 decoder does not guess a transposed layout.
    const transposed: OutputTensor = { dims: [1, 8, 3], data: new Float32Array(24) };
    expect(() => decode({ output: transposed }, ctx())).toThrow(ModelError);
    const rank2: OutputTensor = { dims: [3, 8], data: new Float32Array(24) };
    expect(() => decode({ output: rank2 }, ctx())).toThrow(ModelError);
  });
});
