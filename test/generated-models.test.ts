/**
 * The segmenter, dynamic batching and the Ultralytics layout through the real onnxruntime-node,
 * on small graphs written by test/support/onnx-builder.ts (no public model of these kinds is
 * reachable here).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Detector } from '../detector/detector.js';
import { Segmenter } from '../detector/segmenter.js';
import { polygonArea } from '../detector/segmentation.js';
import type { RawImage } from '../repositories/media-repository.js';
import { segmentationModel, yoloV8LikeModel } from './support/onnx-builder.js';

let dir: string;

const segManifest = (weights: string, batch = 1) => ({
  name: 'test-soil',
  version: '0.0.1',
  task: 'segment',
  weights,
  input: {
    name: 'input',
    width: 64,
    height: 64,
    channelOrder: 'rgb',
    resize: 'letterbox',
    padValue: 0,
    scale: 1 / 255,
  },
  output: { decoder: 'segmentation', outputName: 'logits' },
  classes: ['dark', 'red', 'green', 'blue'],
  labelMap: {
    dark: { canonical: 'background', minScore: 0.5 },
    red: { canonical: 'bare_soil', minScore: 0.5 },
    green: { canonical: 'vegetation', minScore: 0.5 },
    blue: { canonical: 'covered_soil', minScore: 0.5 },
  },
  batch,
});

/** A 128×64 image: dark, with a 40×20 red rectangle at (10, 8) and a green right half. */
function testImage(): RawImage {
  const w = 128;
  const h = 64;
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      if (x >= 64) data[i + 1] = 200;
      else if (x >= 10 && x < 50 && y >= 8 && y < 28) data[i] = 220;
    }
  }
  return { data, width: w, height: h };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridwatch-gen-'));
  await writeFile(
    join(dir, 'seg.onnx'),
    segmentationModel({ classes: 4, inputSize: [64, 64], outputStride: 2 }),
  );
  await writeFile(
    join(dir, 'seg-dyn.onnx'),
    segmentationModel({ classes: 4, inputSize: [64, 64], outputStride: 2, dynamicBatch: true }),
  );
  await writeFile(join(dir, 'seg.json'), JSON.stringify(segManifest('seg.onnx')));
  await writeFile(join(dir, 'seg-dyn.json'), JSON.stringify(segManifest('seg-dyn.onnx', 4)));

  // YOLOv8 layout [1, 4+nc, N] with nc = 2 and N = 3 anchors, as columns.
  const anchors = [
    [100, 50, 40, 20, 0.9, 0.1], // cx, cy, w, h, class0, class1
    [102, 51, 42, 22, 0.8, 0.05], // duplicate of the first: NMS removes it
    [20, 20, 10, 30, 0.2, 0.7],
  ];
  const out = new Float32Array(6 * 3);
  anchors.forEach((a, n) => a.forEach((v, c) => (out[c * 3 + n] = v)));
  await writeFile(
    join(dir, 'v8.onnx'),
    yoloV8LikeModel({ inputSize: [128, 128], output: out, outputDims: [1, 6, 3] }),
  );
  await writeFile(
    join(dir, 'v8.json'),
    JSON.stringify({
      name: 'test-v8',
      version: '1',
      task: 'detect',
      weights: 'v8.onnx',
      input: {
        name: 'images',
        width: 128,
        height: 128,
        channelOrder: 'rgb',
        resize: 'stretch',
        scale: 1 / 255,
      },
      output: { decoder: 'yolov8' },
      classes: ['car', 'pedestrian'],
      labelMap: {
        car: { canonical: 'vehicle', minScore: 0.5 },
        pedestrian: { canonical: 'person', minScore: 0.5 },
      },
    }),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('segmenter on a real ONNX graph', () => {
  it('labels pixels at image size, undoing the letterbox, with areas and polygons', async () => {
    const seg = await Segmenter.load(join(dir, 'seg.json'));
    const result = await seg.segment(testImage());
    expect(result.classMap.width).toBe(128);
    expect(result.classMap.height).toBe(64);
    const byLabel = Object.fromEntries(result.classes.map((c) => [c.canonical, c]));
    // The head works at half resolution of a 2× shrink, so edges land within a few pixels.
    expect(byLabel.vegetation!.share).toBeCloseTo(0.5, 1);
    expect(Math.abs(byLabel.bare_soil!.pixelArea - 40 * 20) / 800).toBeLessThan(0.25);
    const soil = seg.regions(result, 'bare_soil');
    expect(soil).toHaveLength(1);
    const [x1, y1, x2, y2] = soil[0]!.box;
    expect(Math.abs(x1 - 10)).toBeLessThanOrEqual(4);
    expect(Math.abs(y1 - 8)).toBeLessThanOrEqual(4);
    expect(Math.abs(x2 - 50)).toBeLessThanOrEqual(4);
    expect(Math.abs(y2 - 28)).toBeLessThanOrEqual(4);
    expect(Math.abs(polygonArea(soil[0]!.polygon) - soil[0]!.area) / soil[0]!.area).toBeLessThan(0.15);
    await seg.close();
  });

  it('runs a batch in one session call when the graph batch is dynamic, with the same result', async () => {
    const single = await Segmenter.load(join(dir, 'seg.json'));
    const batched = await Segmenter.load(join(dir, 'seg-dyn.json'));
    const img = testImage();
    const expected = (await single.segment(img)).classMap.data;
    const runs = await batched.runner.run([img, img, img]);
    expect(runs).toHaveLength(1); // one session.run for three images
    const results = await batched.segmentBatch([img, img, img]);
    for (const r of results)
      expect(Buffer.compare(Buffer.from(r.classMap.data), Buffer.from(expected))).toBe(0);
    await Promise.all([single.close(), batched.close()]);
  });

  it('refuses a detector manifest', async () => {
    await expect(Segmenter.load(join(dir, 'v8.json'))).rejects.toThrow(/is a detect model, not a segmenter/);
  });
});

describe('YOLOv8 layout through onnxruntime-node', () => {
  it('decodes, thresholds per label, suppresses duplicates and maps to image pixels', async () => {
    const det = await Detector.load(join(dir, 'v8.json'));
    const img: RawImage = { data: new Uint8Array(256 * 128 * 3), width: 256, height: 128 };
    const found = await det.detect(img);
    expect(found).toHaveLength(2);
    const car = found.find((d) => d.canonical === 'vehicle')!;
    // Stretch 256×128 → 128×128: x doubles, y is unchanged.
    expect(car.box.map((v) => Math.round(v))).toEqual([160, 40, 240, 60]);
    expect(car.score).toBeCloseTo(0.9);
    const person = found.find((d) => d.canonical === 'person')!;
    expect(person.box.map((v) => Math.round(v))).toEqual([30, 5, 50, 35]);
    await det.close();
  });
});
