/**
 * npm run bench:detector — per model: raw session.run ms/frame, full detect ms/frame from a raw
 * 1920×1080 RGB frame and from a JPEG, and the pre+post-processing overhead as a share of
 * session.run. Rounds interleave the measurements so machine noise hits them alike.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Detector } from '../detector/detector.js';
import { configureMedia, decodeImage, encodeJpeg, resizeRaw } from '../repositories/media-repository.js';
import { median, table, timeMs } from './bench-stats.js';
import { round3, writeSummary, type SummaryRow } from './bench-summary-support.js';

const SHARED = fileURLToPath(new URL('../../shared/', import.meta.url));
const { values: args } = parseArgs({
  options: {
    threads: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '30' },
    summary: { type: 'string' },
  },
});
const threads = Number(args.threads);
const rounds = Number(args.rounds);

const models = [
  { manifest: 'models/catalogue/yolox-nano-coco.json', weights: `${SHARED}models/yolox_nano.onnx` },
  { manifest: 'models/catalogue/nanodet-m-coco.json', weights: `${SHARED}models/nanodet_m_416.onnx` },
  { manifest: 'models/catalogue/fastestdet-coco.json', weights: `${SHARED}models/fastestdet.onnx` },
  { manifest: 'models/street-detector/manifest.json' },
];

async function main(): Promise<void> {
  configureMedia({ concurrency: 1 });
  const photo = `${SHARED}media/highway_cars.jpg`;
  if (!existsSync(photo)) throw new Error(`missing ${photo}: the benchmark needs ../shared/media`);
  const frame = await resizeRaw(await decodeImage(await readFile(photo)), 1920, 1080);
  const jpeg = await encodeJpeg(frame, 90);

  const rows: (string | number)[][] = [];
  const summary: SummaryRow[] = [];
  for (const m of models) {
    if (!existsSync(m.manifest) || (m.weights && !existsSync(m.weights))) {
      console.log(`skipping ${m.manifest}: model files not present`);
      continue;
    }
    const detector = await Detector.load(m.manifest, { weights: m.weights, intraOpThreads: threads });
    const { data, dims, transforms } = detector.runner.prepare([frame]);
    await detector.runner.runTensor(data, dims);
    const run: number[] = [];
    const pre: number[] = [];
    const post: number[] = [];
    const fullRaw: number[] = [];
    const fullJpeg: number[] = [];
    const fullSized: number[] = [];
    // What the frame source hands over: scaled inside ffmpeg to the model's letterbox size.
    const t = detector.runner.transformFor(frame);
    const sized = await resizeRaw(frame, t.resizedWidth, t.resizedHeight);
    for (let i = 0; i < rounds; i++) {
      let outputs = {};
      run.push(await timeMs(async () => (outputs = await detector.runner.runTensor(data, dims))));
      pre.push(await timeMs(async () => detector.runner.prepare([frame])));
      post.push(await timeMs(async () => detector.postprocess(outputs, transforms[0]!, 0)));
      fullRaw.push(await timeMs(() => detector.detect(frame)));
      fullJpeg.push(await timeMs(async () => detector.detect(await decodeImage(jpeg))));
      fullSized.push(await timeMs(() => detector.detect(sized)));
    }
    const r = median(run);
    const overhead = median(pre) + median(post);
    rows.push([
      detector.manifest.name,
      `${detector.manifest.input.width}x${detector.manifest.input.height}`,
      r.toFixed(2),
      median(pre).toFixed(2),
      median(post).toFixed(2),
      median(fullRaw).toFixed(2),
      median(fullJpeg).toFixed(2),
      median(fullSized).toFixed(2),
      `${((overhead / r) * 100).toFixed(1)}%`,
      `${((median(fullRaw) / r - 1) * 100).toFixed(1)}%`,
      `${((median(fullSized) / r - 1) * 100).toFixed(1)}%`,
    ]);
    summary.push({
      bench: 'detector',
      figure: `${detector.manifest.name}: detect() from raw 1080p RGB`,
      value: round3(median(fullRaw)),
      unit: 'ms/frame',
      target: '(pre+post) ≤ 10% of session.run',
      ratioToLimit: round3(median(fullRaw) / r),
      note: `limit = raw session.run ${r.toFixed(2)} ms; (pre+post)/run ${((overhead / r) * 100).toFixed(0)}%`,
    });
    await detector.close();
  }
  console.log(
    `\ndetector benchmark: ${threads} ORT threads, ${rounds} rounds, medians in ms/frame, source 1920x1080 RGB\n`,
  );
  console.log(
    table(
      [
        'model',
        'input',
        'session.run',
        'preprocess',
        'decode+NMS',
        'full (raw 1080p)',
        'full (JPEG)',
        'full (raw, model size)',
        '(pre+post)/run',
        'full 1080p/run - 1',
        'full model-size/run - 1',
      ],
      rows,
    ),
  );
  console.log('\ntarget: (pre+post)/run <= 10% from raw frames');
  console.log('preprocess and decode+NMS are timed alone; "full" columns time detect() end to end.');
  writeSummary(args.summary, summary);
}

await main();
