import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { InvalidInputError } from '../../common/errors.js';
import { Detector } from '../../detector/detector.js';
import { loadManifest } from '../../detector/model-manifest.js';
import { ModelRunner } from '../../detector/model-runner.js';
import { Segmenter } from '../../detector/segmenter.js';
import { evaluateDetector, evaluateSegmenter } from '../../evaluation/model-evaluation.js';
import { configureMedia } from '../../repositories/media-repository.js';
import { positiveOption, UsageError, type Command } from '../command.js';

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
  --json               print the result as JSON`;

function resolveManifest(name: string): string {
  if (name.endsWith('.json')) return name;
  const path = join('models', name, 'manifest.json');
  if (!existsSync(path)) throw new InvalidInputError(`no model '${name}': ${path} does not exist`);
  return path;
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'score a model on held-out synthetic scenes',
  usage,
  async run(args, { config, io }) {
    const [sub, ...rest] = args;
    if (sub !== 'model') throw new UsageError(`unknown subcommand '${sub ?? ''}' (expected 'model')`);
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
