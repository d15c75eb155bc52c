import { fork } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import {
  mergeSummaries,
  writeDataset,
  writeDatasetManifest,
  type DatasetSummary,
} from '../../fixtures/dataset-writer.js';
import { configureMedia } from '../../repositories/media-repository.js';
import { UsageError, type Command } from '../command.js';
import { runSynthScenarios, synthScenariosUsage } from './synth-scenarios.js';

const usage = `gridwatch synth dataset --out <dir> --n <count> --seed <seed> [options]

Renders synthetic street-camera and drone scenes with YOLO labels and segmentation masks.
The same seed always gives byte-identical files.

Options:
  --out <dir>          output folder (images/, labels/, masks/, dataset.json)   (required)
  --n <count>          number of images                                          (required)
  --seed <seed>        integer seed                                              (required)
  --width <px>         image width (default 640)
  --height <px>        image height (default 384)
  --drone-share <0-1>  share of drone views (default 0.4)
  --format jpg|png     image format (default jpg)
  --jobs <n>           render in n processes (default 1)

${synthScenariosUsage}`;

function int(name: string, v: string | undefined, min: number, fallback?: number): number {
  if (v === undefined) {
    if (fallback === undefined) throw new UsageError(`--${name} is required`);
    return fallback;
  }
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer ≥ ${min}`);
  return n;
}

/** Renders one shard in a child process and hands back its summary. */
function renderShard(args: string[], start: number, end: number): Promise<DatasetSummary> {
  const entry = fileURLToPath(new URL('../../bin/gridwatch.js', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = fork(entry, ['synth', 'dataset', ...args, '--shard', `${start}:${end}`], { stdio: 'pipe' });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out) as DatasetSummary);
      else reject(new Error(`shard ${start}:${end} failed (exit ${code}): ${err.trim()}`));
    });
  });
}

export const synthCommand: Command = {
  name: 'synth',
  summary: 'render a synthetic training dataset or the violation scenarios',
  usage,
  async run(args, { io }) {
    const [sub, ...rest] = args;
    if (sub === 'scenarios') return runSynthScenarios(rest, io);
    if (sub !== 'dataset') {
      throw new UsageError(`unknown subcommand '${sub ?? ''}' (expected 'dataset' or 'scenarios')`);
    }
    const { values } = parseArgs({
      args: rest,
      options: {
        out: { type: 'string' },
        n: { type: 'string' },
        seed: { type: 'string' },
        width: { type: 'string' },
        height: { type: 'string' },
        'drone-share': { type: 'string' },
        format: { type: 'string' },
        jobs: { type: 'string' },
        shard: { type: 'string' },
      },
    });
    if (!values.out) throw new UsageError('--out is required');
    const n = int('n', values.n, 1);
    const seed = int('seed', values.seed, 0);
    const width = int('width', values.width, 32, 640);
    const height = int('height', values.height, 32, 384);
    const jobs = int('jobs', values.jobs, 1, 1);
    const viewMix = values['drone-share'] === undefined ? 0.4 : Number(values['drone-share']);
    if (!(viewMix >= 0 && viewMix <= 1)) throw new UsageError('--drone-share must be between 0 and 1');
    const format = values.format ?? 'jpg';
    if (format !== 'jpg' && format !== 'png') throw new UsageError('--format must be jpg or png');
    configureMedia({ concurrency: 1 });
    const options = { out: values.out, n, seed, width, height, viewMix, format } as const;

    if (values.shard) {
      const m = /^(\d+):(\d+)$/.exec(values.shard);
      if (!m) throw new UsageError('--shard must be start:end');
      const summary = await writeDataset({ ...options, shard: { start: Number(m[1]), end: Number(m[2]) } });
      io.out(JSON.stringify(summary));
      return 0;
    }

    const t0 = Date.now();
    let summary: DatasetSummary;
    if (jobs === 1) {
      summary = await writeDataset(options);
    } else {
      const forwarded = rest.filter((_, i, a) => a[i] !== '--jobs' && a[i - 1] !== '--jobs');
      const size = Math.ceil(n / jobs);
      const shards = Array.from(
        { length: jobs },
        (_, j) => [j * size, Math.min(n, (j + 1) * size)] as const,
      ).filter(([s, e]) => e > s);
      summary = mergeSummaries(await Promise.all(shards.map(([s, e]) => renderShard(forwarded, s, e))));
      await writeDatasetManifest(values.out, format, summary);
    }
    const secs = (Date.now() - t0) / 1000;
    io.out(`wrote ${summary.images} images to ${values.out} in ${secs.toFixed(1)} s`);
    io.out(`  views: ${summary.views.street} street, ${summary.views.drone} drone`);
    io.out(
      `  boxes: ${Object.entries(summary.counts)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
    return 0;
  },
};
