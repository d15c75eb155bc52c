#!/usr/bin/env node
// Loads an exported model in onnxruntime-node (the runtime Gridwatch uses), prints its I/O,
// compares it with the PyTorch reference tensors the training script saved, and times it.
//
//   node models/training/check-onnx.mjs models/street-detector/street-detector.onnx \
//        --ref /tmp/gw-train/street-detector --threads 2 --runs 100
//
// Run from the repository root so onnxruntime-node resolves from its node_modules.
import { readFileSync, existsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(join(process.cwd(), 'package.json'));
const ort = require('onnxruntime-node');

const args = process.argv.slice(2);
const modelPath = args[0];
if (!modelPath) {
  console.error('usage: check-onnx.mjs MODEL.onnx [--ref DIR] [--threads N] [--runs N] [--dump OUT.bin]');
  process.exit(2);
}
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const threads = Number(opt('--threads', '2'));
const runs = Number(opt('--runs', '100'));
const refDir = opt('--ref', undefined);

const session = await ort.InferenceSession.create(modelPath, {
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
});
const inputName = session.inputNames[0];
const outputName = session.outputNames[0];
const result = { model: modelPath, inputs: session.inputNames, outputs: session.outputNames, threads };

let input;
let expected;
let dims;
if (refDir && existsSync(join(refDir, 'reference.json'))) {
  const ref = JSON.parse(readFileSync(join(refDir, 'reference.json'), 'utf8'));
  dims = ref.inputShape;
  const buf = readFileSync(join(refDir, 'reference-input.bin'));
  input = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  // An input alone (inspect_detector_onnx.py prepare) is fine: then there is nothing to compare.
  if (existsSync(join(refDir, 'reference-output.bin'))) {
    const out = readFileSync(join(refDir, 'reference-output.bin'));
    expected = {
      dims: ref.outputShape,
      data: new Float32Array(out.buffer, out.byteOffset, out.byteLength / 4),
    };
  }
} else {
  // No reference: a mid-grey frame still exercises shapes and timing.
  const meta = session.inputMetadata?.[0];
  dims = meta?.shape?.map((d) => (typeof d === 'number' && d > 0 ? d : 1)) ?? [1, 3, 256, 416];
  input = new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(0.5);
}

const feeds = { [inputName]: new ort.Tensor('float32', input, dims) };
const first = await session.run(feeds);
const out = first[outputName];
result.inputShape = dims;
const dumpPath = opt('--dump', undefined);
if (dumpPath) {
  // onnxruntime's own output, for decoding and drawing on the Python side.
  writeFileSync(dumpPath, Buffer.from(out.data.buffer, out.data.byteOffset, out.data.byteLength));
  result.dumped = dumpPath;
}
result.outputShape = out.dims;
if (expected) {
  let maxAbs = 0;
  let maxRef = 0;
  for (let i = 0; i < out.data.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(out.data[i] - expected.data[i]));
    maxRef = Math.max(maxRef, Math.abs(expected.data[i]));
  }
  result.matchesTorch = out.data.length === expected.data.length && maxAbs <= 1e-3 * Math.max(1, maxRef);
  result.maxAbsDiff = maxAbs;
  result.maxAbsRef = maxRef;
}

// Dynamic batch, when the graph has it, must give the same answer per item.
const batchDim = session.inputMetadata?.[0]?.shape?.[0];
if (batchDim !== undefined && typeof batchDim !== 'number') {
  const two = new Float32Array(input.length * 2);
  two.set(input, 0);
  two.set(input, input.length);
  const r2 = await session.run({ [inputName]: new ort.Tensor('float32', two, [2, ...dims.slice(1)]) });
  result.batch2Shape = r2[outputName].dims;
}

for (let i = 0; i < 5; i++) await session.run(feeds);
const times = [];
for (let i = 0; i < runs; i++) {
  const t = process.hrtime.bigint();
  await session.run(feeds);
  times.push(Number(process.hrtime.bigint() - t) / 1e6);
}
times.sort((a, b) => a - b);
result.msMedian = +times[Math.floor(times.length / 2)].toFixed(2);
result.msP90 = +times[Math.floor(times.length * 0.9)].toFixed(2);
result.msMin = +times[0].toFixed(2);
console.log(JSON.stringify(result, null, 2));
if (result.matchesTorch === false) process.exit(1);
