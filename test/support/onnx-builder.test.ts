import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOnnxModel, segmentationModel, yoloV8LikeModel } from './onnx-builder.js';

let dir: string;
let fileCount = 0;
const sessions: ort.InferenceSession[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridwatch-onnx-builder-'));
});

afterAll(async () => {
  await Promise.all(sessions.map((s) => s.release()));
  await rm(dir, { recursive: true, force: true });
});

/** Goes through a file on disk, as production code loads models by path. */
async function load(bytes: Uint8Array): Promise<ort.InferenceSession> {
  const path = join(dir, `model-${fileCount++}.onnx`);
  await writeFile(path, bytes);
  const session = await ort.InferenceSession.create(path);
  sessions.push(session);
  return session;
}

function tensorMeta(meta: ort.InferenceSession.ValueMetadata): {
  name: string;
  type: string;
  shape: (number | string)[];
} {
  if (!meta.isTensor) throw new Error(`${meta.name} is not a tensor`);
  return { name: meta.name, type: meta.type, shape: [...meta.shape] };
}

type Rgb = [number, number, number];

/** NCHW image of [0, 1] values whose colour at (y, x) comes from `colourAt`. */
function image(
  batch: number,
  h: number,
  w: number,
  colourAt: (n: number, y: number, x: number) => Rgb,
): Float32Array {
  const data = new Float32Array(batch * 3 * h * w);
  for (let n = 0; n < batch; n++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const rgb = colourAt(n, y, x);
        for (let c = 0; c < 3; c++) data[((n * 3 + c) * h + y) * w + x] = rgb[c] ?? 0;
      }
    }
  }
  return data;
}

/** Per-cell argmax over the class axis of an [N, C, h, w] tensor, as [n][y][x]. */
function argmaxMap(t: ort.Tensor): number[][][] {
  const [n, c, h, w] = t.dims as [number, number, number, number];
  const data = t.data as Float32Array;
  const out: number[][][] = [];
  for (let b = 0; b < n; b++) {
    const rows: number[][] = [];
    for (let y = 0; y < h; y++) {
      const row: number[] = [];
      for (let x = 0; x < w; x++) {
        let best = 0;
        let bestValue = -Infinity;
        for (let k = 0; k < c; k++) {
          const v = data[((b * c + k) * h + y) * w + x] ?? -Infinity;
          if (v > bestValue) {
            best = k;
            bestValue = v;
          }
        }
        row.push(best);
      }
      rows.push(row);
    }
    out.push(rows);
  }
  return out;
}

const DARK: Rgb = [0.05, 0.1, 0.15];
const RED: Rgb = [0.9, 0.2, 0.1];
const GREEN: Rgb = [0.1, 0.8, 0.3];
const BLUE: Rgb = [0.2, 0.3, 0.95];

/** Quadrants: dark top-left, red top-right, green bottom-left, blue bottom-right. */
function quadrants(h: number, w: number) {
  return (_n: number, y: number, x: number): Rgb => {
    if (y < h / 2) return x < w / 2 ? DARK : RED;
    return x < w / 2 ? GREEN : BLUE;
  };
}

function expectedQuadrantClasses(h: number, w: number): number[][] {
  return Array.from({ length: h }, (_, y) =>
    Array.from({ length: w }, (_, x) => (y < h / 2 ? (x < w / 2 ? 0 : 1) : x < w / 2 ? 2 : 3)),
  );
}

describe('segmentationModel', () => {
  it('exposes input/logits metadata and picks the class of each colour region', async () => {
    const session = await load(segmentationModel({ classes: 4, inputSize: [16, 24], outputStride: 4 }));
    expect(session.inputNames).toEqual(['input']);
    expect(session.outputNames).toEqual(['logits']);
    expect(tensorMeta(session.inputMetadata[0]!)).toEqual({
      name: 'input',
      type: 'float32',
      shape: [1, 3, 16, 24],
    });
    expect(tensorMeta(session.outputMetadata[0]!)).toEqual({
      name: 'logits',
      type: 'float32',
      shape: [1, 4, 4, 6],
    });

    const input = new ort.Tensor('float32', image(1, 16, 24, quadrants(16, 24)), [1, 3, 16, 24]);
    const { logits } = await session.run({ input });
    expect(logits!.dims).toEqual([1, 4, 4, 6]);
    expect(argmaxMap(logits!)[0]).toEqual(expectedQuadrantClasses(4, 6));
    // Exact values for one red cell: [0.2, R, G, B] of the (uniform) block.
    const data = logits!.data as Float32Array;
    const cell = (k: number) => data[(k * 4 + 0) * 6 + 5];
    expect([0, 1, 2, 3].map(cell).map((v) => Number(v!.toFixed(5)))).toEqual([0.2, ...RED]);
  });

  it('runs a dynamic batch of 2 with a symbolic batch dim', async () => {
    const session = await load(
      segmentationModel({ classes: 5, inputSize: [8, 8], outputStride: 2, dynamicBatch: true }),
    );
    expect(tensorMeta(session.inputMetadata[0]!).shape).toEqual(['batch', 3, 8, 8]);
    expect(tensorMeta(session.outputMetadata[0]!).shape).toEqual(['batch', 5, 4, 4]);

    // Second image is a flat blue frame, so the two batch items must not bleed into each other.
    const pixels = image(2, 8, 8, (n, y, x) => (n === 0 ? quadrants(8, 8)(n, y, x) : BLUE));
    const { logits } = await session.run({ input: new ort.Tensor('float32', pixels, [2, 3, 8, 8]) });
    expect(logits!.dims).toEqual([2, 5, 4, 4]);
    const map = argmaxMap(logits!);
    expect(map[0]).toEqual(expectedQuadrantClasses(4, 4));
    expect(map[1]).toEqual(Array.from({ length: 4 }, () => [3, 3, 3, 3]));
  });

  it('averages each stride block before the argmax', async () => {
    const session = await load(segmentationModel({ classes: 4, inputSize: [2, 2], outputStride: 2 }));
    // Block mean is R=0.5, G=0.25, B=0: red wins although only half the pixels are red.
    const pixels = image(1, 2, 2, (_n, y, x) =>
      y === 0 ? ([1, 0, 0] as Rgb) : x === 0 ? [0, 1, 0] : [0, 0, 0],
    );
    const { logits } = await session.run({ input: new ort.Tensor('float32', pixels, [1, 3, 2, 2]) });
    expect(Array.from(logits!.data as Float32Array)).toEqual(
      Array.from(new Float32Array([0.2, 0.5, 0.25, 0])),
    );
  });

  it('rejects a stride that does not divide the input', () => {
    expect(() => segmentationModel({ classes: 4, inputSize: [10, 16], outputStride: 4 })).toThrow(/stride 4/);
  });
});

describe('yoloV8LikeModel', () => {
  it('returns exactly the given tensor for different inputs', async () => {
    const numClasses = 3;
    const anchors = 5;
    const outputDims = [1, 4 + numClasses, anchors];
    const output = Float32Array.from({ length: 7 * anchors }, (_, k) => ((k * 37) % 101) / 7 - 3.5);
    const session = await load(yoloV8LikeModel({ inputSize: [32, 48], output, outputDims }));
    expect(tensorMeta(session.inputMetadata[0]!)).toEqual({
      name: 'images',
      type: 'float32',
      shape: [1, 3, 32, 48],
    });
    expect(tensorMeta(session.outputMetadata[0]!)).toEqual({
      name: 'output0',
      type: 'float32',
      shape: outputDims,
    });

    const zeros = new Float32Array(3 * 32 * 48);
    const noise = Float32Array.from({ length: zeros.length }, (_, k) => ((k * 7919) % 255) / 255);
    for (const pixels of [zeros, noise]) {
      const { output0 } = await session.run({ images: new ort.Tensor('float32', pixels, [1, 3, 32, 48]) });
      expect(output0!.dims).toEqual(outputDims);
      expect(Array.from(output0!.data as Float32Array)).toEqual(Array.from(output));
    }
  });

  it('honours custom input and output names', async () => {
    const session = await load(
      yoloV8LikeModel({
        inputSize: [4, 4],
        output: new Float32Array([1, 2]),
        outputDims: [1, 2],
        inputName: 'x',
        outputName: 'y',
      }),
    );
    expect(session.inputNames).toEqual(['x']);
    expect(session.outputNames).toEqual(['y']);
  });

  it('rejects an output whose length does not match its dims', () => {
    expect(() =>
      yoloV8LikeModel({ inputSize: [4, 4], output: new Float32Array(5), outputDims: [1, 2, 3] }),
    ).toThrow(/5 values/);
  });
});

describe('buildOnnxModel', () => {
  it('encodes int64 initializers with negatives, and INT, INTS, FLOAT, FLOATS, STRING and TENSOR attributes', async () => {
    const session = await load(
      buildOnnxModel({
        inputs: [{ name: 'x', dims: ['n', 4] }],
        outputs: [
          { name: 'flat', dims: ['m'] },
          { name: 'padded', dims: ['n', 6] },
          { name: 'leaky', dims: ['n', 4] },
          { name: 'scaled', dims: ['n', 4] },
          { name: 'floats', dims: [3] },
          { name: 'tensor', dims: [2, 2] },
          { name: 'cat', dims: [4, 'n'] },
        ],
        initializers: [
          { name: 'shape', dims: [1], values: [-1], dataType: 'int64' },
          { name: 'pads', dims: [4], values: [0, 1, 0, 1], dataType: 'int64' },
        ],
        nodes: [
          { op: 'Reshape', inputs: ['x', 'shape'], outputs: ['flat'] },
          { op: 'Pad', inputs: ['x', 'pads'], outputs: ['padded'], attributes: { mode: 'reflect' } },
          // An integral alpha needs the explicit float form or it would be encoded as INT.
          { op: 'LeakyRelu', inputs: ['x'], outputs: ['leaky'], attributes: { alpha: { f: 2 } } },
          { op: 'LeakyRelu', inputs: ['x'], outputs: ['scaled'], attributes: { alpha: 0.25 } },
          {
            op: 'Constant',
            inputs: [],
            outputs: ['floats'],
            attributes: { value_floats: new Float32Array([1.5, -2, 3]) },
          },
          {
            op: 'Constant',
            inputs: [],
            outputs: ['tensor'],
            attributes: { value: { tensor: { dims: [2, 2], values: [1, 2, 3, 4] } } },
          },
          { op: 'Transpose', inputs: ['x'], outputs: ['xt'], attributes: { perm: [1, 0] } },
          { op: 'Concat', inputs: ['xt'], outputs: ['cat'], attributes: { axis: 0 } },
        ],
      }),
    );
    expect(tensorMeta(session.inputMetadata[0]!).shape).toEqual(['n', 4]);

    const x = new ort.Tensor('float32', new Float32Array([1, -2, 3, -4, 5, 6, 7, 8]), [2, 4]);
    const out = await session.run({ x });
    const values = (name: string) => Array.from(out[name]!.data as Float32Array);
    expect(out.flat!.dims).toEqual([8]);
    expect(values('flat')).toEqual([1, -2, 3, -4, 5, 6, 7, 8]);
    expect(values('padded')).toEqual([-2, 1, -2, 3, -4, 3, 6, 5, 6, 7, 8, 7]);
    expect(values('leaky')).toEqual([1, -4, 3, -8, 5, 6, 7, 8]);
    expect(values('scaled')).toEqual([1, -0.5, 3, -1, 5, 6, 7, 8]);
    expect(values('floats')).toEqual([1.5, -2, 3]);
    expect(values('tensor')).toEqual([1, 2, 3, 4]);
    expect(out.cat!.dims).toEqual([4, 2]);
    expect(values('cat')).toEqual([1, 5, -2, 6, 3, 7, -4, 8]);
  });

  it('refuses non-integral INTS and mis-sized initializers instead of building a wrong model', () => {
    const base = { inputs: [{ name: 'x', dims: [1] }], outputs: [{ name: 'y', dims: [1] }] };
    expect(() =>
      buildOnnxModel({
        ...base,
        nodes: [{ op: 'Transpose', inputs: ['x'], outputs: ['y'], attributes: { perm: [0.5] } }],
      }),
    ).toThrow(/INTS/);
    expect(() =>
      buildOnnxModel({ ...base, nodes: [], initializers: [{ name: 'w', dims: [2, 2], values: [1, 2, 3] }] }),
    ).toThrow(/3 values/);
  });
});
