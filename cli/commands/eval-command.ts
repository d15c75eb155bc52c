import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { InvalidInputError } from '../../common/errors.js';
import { Detector } from '../../detector/detector.js';
import { loadManifest } from '../../detector/model-manifest.js';
import { ModelRunner } from '../../detector/model-runner.js';
import { Segmenter } from '../../detector/segmenter.js';
import { renderMarkdownReport } from '../../evaluation/eval-report.js';
import { runEvalSuite } from '../../evaluation/eval-suite.js';
import { evaluateDetector, evaluateSegmenter } from '../../evaluation/model-evaluation.js';
import { configureMedia } from '../../repositories/media-repository.js';
import type { AppConfig } from '../../common/app-config.js';
import { positiveOption, UsageError, type Command, type CommandIo } from '../command.js';

const usage = `gridwatch eval model <name-or-manifest> [--n 500] [--seed <seed>] [--json]

Renders held-out synthetic scenes and scores a model on them: mAP at IoU 0.5 per class for a
detector, IoU per class for a segmenter. <name> is a folder under models/ (street-detector,
soil-segmenter) or a manifest path.

Options:
  --n <count>          scenes to render (default 500)
  --seed <seed>        scene seed; pick one the training data did not use (default 777)
  --weights <file>     ONNX weights overriding the manifest's
  --drone-share <0-1>  share of drone views (default 0.4)
  --threads <n>        ONNX threads (default: GRIDWATCH_ORT_THREADS)
  --json               print the result as JSON

gridwatch eval suite [--seed <n>] [--out <dir>] [--oracle] [--json] [options]

The end-to-end evaluation (npm run eval): the scripted scenario suite, its appearance drawn from
--seed, through the real pipeline with the bundled detector and soil segmenter (per violation
type precision, recall, time to detect; drone patch position and area errors); the reference COCO
detectors of ../shared on real photos and video against stated minimums (skipped, with the
reason, when ../shared is missing); and the bundled models' eval model figures. Writes
report.md and report.json into --out.

Options:
  --seed <n>           appearance seed of the scenarios (default 1; 0: the fixed catalogue renders)
  --out <dir>          report folder (default <GRIDWATCH_DATA_DIR>/eval)
  --oracle             also run the scenarios with oracle stages (rules without model error)
  --only <a,b>         only these scenarios
  --width <px>         scenario frame width (default 640)
  --n <count>          held-out scenes for the model figures (default 200; 0: skip)
  --model-seed <seed>  seed of those scenes (default 777)
  --shared <dir>       reference models and media (default ../shared beside the repository)
  --no-real-media      skip the real-media checks
  --cache <dir>        rendered scenario cache (default: a folder in the OS temp dir)
  --threads <n>        ONNX threads (default: GRIDWATCH_ORT_THREADS)
  --json               print report.json to stdout instead of the Markdown`;

async function runSuiteCommand(args: string[], config: AppConfig, io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      seed: { type: 'string', default: '1' },
      out: { type: 'string' },
      oracle: { type: 'boolean', default: false },
      only: { type: 'string' },
      width: { type: 'string', default: '640' },
      n: { type: 'string', default: '200' },
      'model-seed': { type: 'string', default: '777' },
      shared: { type: 'string' },
      'no-real-media': { type: 'boolean', default: false },
      cache: { type: 'string' },
      threads: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length)
    throw new UsageError(`eval suite takes no positional arguments (got ${positionals[0]})`);
  const seed = Number(values.seed);
  const n = Number(values.n);
  const modelSeed = Number(values['model-seed']);
  if (!Number.isInteger(seed) || seed < 0) throw new UsageError('--seed must be a non-negative integer');
  if (!Number.isInteger(n) || n < 0) throw new UsageError('--n must be a non-negative integer');
  if (!Number.isInteger(modelSeed) || modelSeed < 0)
    throw new UsageError('--model-seed must be a non-negative integer');
  const width = positiveOption('width', values.width, true)!;
  if (width % 2 !== 0) throw new UsageError('--width must be even (H.264 frames)');
  const threads = positiveOption('threads', values.threads, true) ?? config.ortThreads;
  const only = values.only
    ?.split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  const out = resolve(values.out ?? join(config.dataDir, 'eval'));
  configureMedia({ concurrency: config.sharpConcurrency });

  const report = await runEvalSuite({
    seed: seed === 0 ? undefined : seed,
    width,
    ...(values.cache ? { cacheDir: values.cache } : {}),
    ...(only?.length ? { only } : {}),
    oracle: values.oracle,
    realMedia: !values['no-real-media'],
    ...(values.shared ? { sharedDir: resolve(values.shared) } : {}),
    modelScenes: n,
    modelSeed,
    threads,
    onProgress: (line) => io.err(line),
  });
  const markdown = renderMarkdownReport(report);
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'report.md'), markdown);
  await writeFile(join(out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  if (values.json) io.out(JSON.stringify(report));
  else io.out(markdown);
  io.err(`wrote ${join(out, 'report.md')} and report.json`);
  return 0;
}

function resolveManifest(name: string): string {
  if (name.endsWith('.json')) return name;
  const path = join('models', name, 'manifest.json');
  if (!existsSync(path)) throw new InvalidInputError(`no model '${name}': ${path} does not exist`);
  return path;
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'score a model on held-out synthetic scenes, or run the whole evaluation (suite)',
  usage,
  async run(args, { config, io }) {
    const [sub, ...rest] = args;
    if (sub === 'suite') return runSuiteCommand(rest, config, io);
    if (sub !== 'model')
      throw new UsageError(`unknown subcommand '${sub ?? ''}' (expected 'model' or 'suite')`);
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        n: { type: 'string', default: '500' },
        seed: { type: 'string', default: '777' },
        weights: { type: 'string' },
        'drone-share': { type: 'string' },
        threads: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    });
    const name = positionals[0];
    if (!name || positionals.length > 1) throw new UsageError('give exactly one model name or manifest');
    const n = Number(values.n);
    const seed = Number(values.seed);
    if (!Number.isInteger(n) || n < 1) throw new UsageError('--n must be a positive integer');
    if (!Number.isInteger(seed) || seed < 0) throw new UsageError('--seed must be a non-negative integer');
    const threads = positiveOption('threads', values.threads, true) ?? config.ortThreads;
    const droneShare = values['drone-share'] === undefined ? undefined : Number(values['drone-share']);
    configureMedia({ concurrency: config.sharpConcurrency });

    const manifest = await loadManifest(resolveManifest(name), values.weights);
    const runner = new ModelRunner(manifest, { intraOpThreads: threads });
    const progress = (done: number) => {
      if (!values.json && done % 50 === 0) io.err(`  ${done}/${n} scenes`);
    };
    const options = { n, seed, droneShare, onProgress: progress };
    try {
      if (manifest.task === 'detect') {
        const r = await evaluateDetector(new Detector(runner), options);
        if (values.json) {
          io.out(
            JSON.stringify({
              model: r.model,
              version: r.version,
              scenes: r.scenes,
              seed: r.seed,
              map50: r.map50,
              perClass: r.perClass,
              inferenceMsPerFrame: r.inferenceMsPerFrame,
            }),
          );
        } else {
          io.out(
            `${r.model} ${r.version}: mAP50 ${r.map50.toFixed(3)} on ${r.scenes} scenes (seed ${r.seed}), ${r.inferenceMsPerFrame.toFixed(1)} ms/frame`,
          );
          for (const d of r.details) {
            io.out(
              `  ${d.label.padEnd(13)} AP50 ${d.ap.toFixed(3)}  (${d.groundTruth} objects, best F1 ${d.bestF1.f1.toFixed(3)} at score ${d.bestF1.score.toFixed(2)})`,
            );
          }
        }
      } else {
        const r = await evaluateSegmenter(new Segmenter(runner), options);
        if (values.json) io.out(JSON.stringify(r));
        else {
          io.out(
            `${r.model} ${r.version}: pixel accuracy ${r.pixelAccuracy.toFixed(3)} on ${r.scenes} scenes (seed ${r.seed}), ${r.inferenceMsPerFrame.toFixed(1)} ms/frame`,
          );
          for (const [label, v] of Object.entries(r.iou)) io.out(`  ${label.padEnd(13)} IoU ${v.toFixed(3)}`);
        }
      }
    } finally {
      await runner.close();
    }
    return 0;
  },
};
