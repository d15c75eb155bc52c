import { describe, it, expect } from 'vitest';
import { ModelError } from '../../common/errors.js';
import type { DecodeContext, OutputTensor } from '../types.js';
import { createEndToEndDecoder } from './end-to-end.js';

const ctx = (over: Partial<DecodeContext> = {}): DecodeContext => ({
  inputWidth: 640,
  inputHeight: 480,
  numClasses: 3,
  scoreThreshold: 0.25,
  batchIndex: 0,
  ...over,
});

function rows(values: number[][], batch?: number): OutputTensor {
  const width = values[0]!.length;
  const data = Float32Array.from(values.flat());
  if (batch === undefined) return { dims: [values.length, width], data };
  return { dims: [batch, values.length / batch, width], data };
}

const sample = [
  [10, 20, 110, 220, 0.9, 2],
  [50, 60, 70, 80, 0.1, 0], // below threshold
  [5, 5, 15, 25, 0.5, 0],
  [0, 0, 0, 0, 0, 0], // padding row
];

describe('createEndToEndDecoder', () => {
  it('decodes [N, 6] xyxy rows and drops low scores and padding', () => {
    const out = createEndToEndDecoder()({ output0: rows(sample) }, ctx());
    expect(out).toHaveLength(2);
    expect(out[0]).toMatchObject({ box: [10, 20, 110, 220], classIndex: 2 });
    expect(out[0]!.score).toBeCloseTo(0.9, 6);
    expect(out[1]).toMatchObject({ box: [5, 5, 15, 25], classIndex: 0 });
  });

  it('reads batch item 1 of a [2, N, 6] output', () => {
    const batch = [
      ...sample,
      [100, 100, 200, 150, 0.8, 1],
      [1, 1, 2, 2, 0, 0],
      [0, 0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 0],
    ];
    const decode = createEndToEndDecoder();
    const out = decode({ output0: rows(batch, 2) }, ctx({ batchIndex: 1 }));
    expect(out).toEqual([{ box: [100, 100, 200, 150], classIndex: 1, score: expect.closeTo(0.8, 6) }]);
    expect(decode({ output0: rows(batch, 2) }, ctx({ batchIndex: 0 }))).toHaveLength(2);
  });

  it('drops rows with non-finite values or a class outside [0, numClasses)', () => {
    const out = createEndToEndDecoder()(
      {
        o: rows([
          [0, 0, 10, 10, 0.9, 3],
          [0, 0, 10, 10, 0.9, -1],
          [0, 0, 10, 10, 0.9, NaN],
          [NaN, 0, 10, 10, 0.9, 1],
          [0, 0, Infinity, 10, 0.9, 1],
          [0, 0, 10, 10, NaN, 1],
          [0, 0, 10, 10, Infinity, 1],
          [1, 2, 3, 4, 0.9, 1],
        ]),
      },
      ctx(),
    );
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ box: [1, 2, 3, 4], classIndex: 1 });
  });

  it('truncates at the named count output', () => {
    const count: OutputTensor = { dims: [1, 1], data: Float32Array.of(1) };
    const decode = createEndToEndDecoder({ outputName: 'dets', countOutputName: 'num' });
    const out = decode({ num: count, dets: rows(sample) }, ctx());
    expect(out).toHaveLength(1);
    expect(out[0]!.classIndex).toBe(2);
  });

  it('finds an unnamed count output when there are exactly two outputs', () => {
    const decode = createEndToEndDecoder();
    const count: OutputTensor = { dims: [2], data: Float32Array.of(4, 1) };
    const batch = [
      ...sample,
      [100, 100, 200, 150, 0.8, 1],
      [1, 1, 2, 2, 0.9, 0],
      [0, 0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 0],
    ];
    // Count first, so the detections output is not simply the first one.
    const out = decode({ num_dets: count, dets: rows(batch, 2) }, ctx({ batchIndex: 1 }));
    expect(out).toHaveLength(1);
    expect(out[0]!.box).toEqual([100, 100, 200, 150]);
  });

  it('clamps the count to the number of rows and treats a negative count as zero', () => {
    const decode = createEndToEndDecoder({ countOutputName: 'n' });
    expect(decode({ d: rows(sample), n: { dims: [1], data: Float32Array.of(99) } }, ctx())).toHaveLength(2);
    expect(decode({ d: rows(sample), n: { dims: [1], data: Float32Array.of(-3) } }, ctx())).toHaveLength(0);
    expect(() => decode({ d: rows(sample), n: { dims: [1], data: Float32Array.of(NaN) } }, ctx())).toThrow(
      ModelError,
    );
  });

  it('scales normalized boxes by the input size', () => {
    const decode = createEndToEndDecoder({ normalized: true });
    const out = decode({ o: rows([[0.25, 0.5, 0.75, 1, 0.9, 0]]) }, ctx());
    expect(out[0]!.box).toEqual([160, 240, 480, 480]);
  });

  it('converts cxcywh boxes and honours the box-class-score layout', () => {
    const decode = createEndToEndDecoder({ boxFormat: 'cxcywh', layout: 'box-class-score' });
    const out = decode({ o: rows([[100, 50, 20, 10, 1, 0.75]]) }, ctx());
    expect(out).toEqual([{ box: [90, 45, 110, 55], classIndex: 1, score: 0.75 }]);
  });

  it('combines normalized and cxcywh', () => {
    const decode = createEndToEndDecoder({ boxFormat: 'cxcywh', normalized: true });
    const out = decode({ o: rows([[0.5, 0.5, 0.25, 0.5, 0.5, 1]]) }, ctx());
    expect(out[0]!.box).toEqual([240, 120, 400, 360]);
  });

  it('ignores extra columns such as mask coefficients', () => {
    const out = createEndToEndDecoder()({ o: rows([[1, 2, 3, 4, 0.9, 1, 0.3, -0.2]]) }, ctx());
    expect(out).toEqual([{ box: [1, 2, 3, 4], classIndex: 1, score: expect.closeTo(0.9, 6) }]);
  });

  it('throws ModelError on wrong shapes, counts and batch indices', () => {
    const decode = createEndToEndDecoder();
    expect(() => decode({ o: { dims: [4, 5], data: new Float32Array(20) } }, ctx())).toThrow(
      /End-to-end decoder.*"o".*\[4, 5\].*\[N, 6\]/,
    );
    expect(() => decode({ o: { dims: [1, 1, 4, 6], data: new Float32Array(24) } }, ctx())).toThrow(
      ModelError,
    );
    expect(() => decode({ o: { dims: [4, 6], data: new Float32Array(23) } }, ctx())).toThrow(ModelError);
    expect(() => decode({ o: rows(sample) }, ctx({ batchIndex: 1 }))).toThrow(/batch index 1/);
    const badCount = createEndToEndDecoder({ countOutputName: 'n' });
    expect(() =>
      badCount({ d: rows(sample), n: { dims: [1, 2], data: new Float32Array(2) } }, ctx()),
    ).toThrow(/count output "n"/);
    expect(() =>
      badCount({ d: rows(sample, 2), n: { dims: [1], data: Float32Array.of(2) } }, ctx({ batchIndex: 1 })),
    ).toThrow(ModelError);
    expect(() => badCount({ d: rows(sample) }, ctx())).toThrow(/"n" not found/);
  });
});
