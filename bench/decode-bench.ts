/**
 * npm run bench:decode — frames/s of the file frame source (raw RGB into JS over a unix socket,
 * timestamps attached) against plain `ffmpeg -i … -vf fps=…,scale=… -an -f null -` on the same
 * file, rate and size. The source recycles each frame once read, as segment analysis does. Rounds
 * interleave the two, alternating which goes first, so machine noise hits both alike; medians are
 * compared. Target: source / ffmpeg ≥ 0.9. A third run per round, the source's own ffmpeg command
 * writing into /dev/null instead of its socket, is the ceiling for any reader of ffmpeg's frames.
 * Plain ffmpeg keeps its default thread count, as a user would run it.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runNullDecode } from '../repositories/ffmpeg-repository.js';
import { FileFrameSource } from '../video/file-frame-source.js';
import { probeVideo, type MediaInfo } from '../video/probe.js';
import { median, table } from './bench-stats.js';
import { round3, writeSummary, type SummaryRow } from './bench-summary-support.js';

const SHARED = fileURLToPath(new URL('../../shared/media/', import.meta.url));
const { values: args } = parseArgs({
  options: { rounds: { type: 'string', default: '5' }, summary: { type: 'string' } },
});
const rounds = Number(args.rounds);

interface Case {
  file: string;
  fps: number;
  width: number;
}

// The first two rows are the rates the pipeline samples (cameras 1 frame/s, drone flights 2); the
// rest deliver every frame, or nearly, and measure the pipe into JS more than decoding.
const cases: Case[] = [
  { file: 'parking_lot_topdown.mp4', fps: 1, width: 768 },
  { file: 'street_night.mp4', fps: 2, width: 426 },
  { file: 'parking_lot_topdown.mp4', fps: 12.5, width: 768 },
  { file: 'parking_lot_topdown.mp4', fps: 5, width: 640 },
  { file: 'street_night.mp4', fps: 30, width: 426 },
  { file: 'street_night.mp4', fps: 10, width: 320 },
];

async function timeSource(path: string, info: MediaInfo, c: Case): Promise<{ frames: number; ms: number }> {
  const t0 = performance.now();
  // The probe is shared (passed in), as a pipeline decoding segments would share it; the timing
  // covers spawning ffmpeg through the last frame reaching JS.
  const source = await FileFrameSource.open(path, { info, fps: c.fps, width: c.width });
  let frames = 0;
  let checksum = 0;
  for await (const f of source) {
    frames++;
    checksum += f.image.data[f.image.data.length >> 1]!;
    // As segment analysis does once a frame is analysed.
    source.recycle(f);
  }
  const ms = performance.now() - t0;
  if (checksum < 0) console.log(checksum);
  return { frames, ms };
}

async function timeNull(
  path: string,
  c: Case,
  asSource?: { threads: number },
): Promise<{ frames: number; ms: number }> {
  const r = await runNullDecode({
    input: path,
    fps: c.fps,
    width: c.width,
    ...(asSource ? { asFrameSource: true, threads: asSource.threads } : {}),
  });
  return { frames: r.frames, ms: r.wallMs };
}

async function main(): Promise<void> {
  const rows: (string | number)[][] = [];
  const ratios: number[] = [];
  const summary: SummaryRow[] = [];
  for (const c of cases) {
    const path = `${SHARED}${c.file}`;
    if (!existsSync(path)) throw new Error(`missing ${path}: the benchmark needs ../shared/media`);
    const info = await probeVideo(path);
    // Opening starts nothing; it says how many ffmpeg threads the source will use on this file.
    const { threads } = await FileFrameSource.open(path, { info });
    await timeSource(path, info, c);
    await timeNull(path, c);
    const kinds = ['source', 'ffmpeg', 'ceiling'] as const;
    const fps = { source: [] as number[], ffmpeg: [] as number[], ceiling: [] as number[] };
    const frames = { source: 0, ffmpeg: 0, ceiling: 0 };
    for (let i = 0; i < rounds; i++) {
      // Each kind goes first, second and third in turn.
      for (let k = 0; k < kinds.length; k++) {
        const which = kinds[(i + k) % kinds.length]!;
        const r =
          which === 'source'
            ? await timeSource(path, info, c)
            : await timeNull(path, c, which === 'ceiling' ? { threads } : undefined);
        fps[which].push((r.frames / r.ms) * 1000);
        frames[which] = r.frames;
      }
    }
    const [src, ref, top] = [fps.source, fps.ffmpeg, fps.ceiling];
    const ratio = median(src) / median(ref);
    ratios.push(ratio);
    rows.push([
      c.file,
      `${c.fps} fps, ${c.width} px wide`,
      threads,
      frames.source === frames.ffmpeg ? frames.source : `${frames.source} vs ${frames.ffmpeg}`,
      median(src).toFixed(0),
      median(ref).toFixed(0),
      ratio.toFixed(2),
      median(top).toFixed(0),
      (median(top) / median(ref)).toFixed(2),
      (median(src) / median(top)).toFixed(2),
    ]);
    summary.push({
      bench: 'decode',
      figure: `frame source, ${c.file} at ${c.fps} fps, ${c.width} px`,
      value: round3(median(src)),
      unit: 'frames/s',
      target: '≥ 0.9 × ffmpeg',
      ratioToLimit: round3(ratio),
      note:
        `limit = ffmpeg -f null ${median(ref).toFixed(0)} frames/s; the source's own ffmpeg writing to ` +
        `/dev/null reaches ${(median(top) / median(ref)).toFixed(2)} of it`,
    });
  }
  console.log(`\ndecode benchmark: ${rounds} interleaved rounds, medians, wall time from spawn to exit\n`);
  console.log(
    table(
      [
        'file',
        'sampling',
        'source threads',
        'frames',
        'source fps',
        'ffmpeg null fps',
        'ratio',
        'source ffmpeg → /dev/null fps',
        'ceiling ratio',
        'source ÷ ceiling',
      ],
      rows,
    ),
  );
  console.log(
    `\nratio = frame source frames/s ÷ plain ffmpeg frames/s (target ≥ 0.9); lowest ${Math.min(...ratios).toFixed(2)}.` +
      '\nSource threads: decoder and filter threads the source picks for the file (video/ffmpeg-threads.ts: one' +
      '\nunder 0.4 megapixels, else one per core); plain ffmpeg runs its defaults (frame threads: cores + 1).' +
      '\nThe source converts to RGB24, has ffmpeg write raw frames and moves every pixel into JS (a unix socket' +
      '\nread straight into recycled frame buffers); ffmpeg -f null does none of that. "Source ffmpeg → /dev/null"' +
      "\nruns the source's own ffmpeg command, threads and all, with /dev/null for its socket: the ceiling for" +
      '\nany reader of its frames, which costs ffmpeg nothing to write to. "Source ÷ ceiling" is what moving the' +
      '\nframes into JS leaves of it.',
  );
  writeSummary(args.summary, summary);
}

await main();
