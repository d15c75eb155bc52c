import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { configureMedia, encodePng } from '../../repositories/media-repository.js';
import { FileFrameSource } from '../../video/file-frame-source.js';
import { UsageError, type Command } from '../command.js';

const usage = `gridwatch frames <video> --fps <f> --out <dir> [--width W] [--start S] [--duration D]

Writes sampled frames of a video as PNG files, for debugging the frame source: the names carry
each frame's index and presentation time, e.g. frame-000012-t00001.200s.png.

Options:
  --fps <f>        frames per second to sample                       (required)
  --out <dir>      folder for the PNG files (created)                (required)
  --width <px>     scale to this width, keeping the aspect ratio
  --start <s>      first second to sample
  --duration <s>   seconds to sample from --start`;

function positiveNumber(name: string, raw: string | undefined, integer = false): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
    throw new UsageError(`--${name} must be a positive ${integer ? 'integer' : 'number'}`);
  }
  return v;
}

export const framesCommand: Command = {
  name: 'frames',
  summary: 'write sampled video frames as PNG files',
  usage,
  async run(args, { config, io }) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        fps: { type: 'string' },
        out: { type: 'string' },
        width: { type: 'string' },
        start: { type: 'string' },
        duration: { type: 'string' },
      },
    });
    const path = positionals[0];
    if (!path || positionals.length > 1) throw new UsageError('give exactly one video');
    const fps = positiveNumber('fps', values.fps);
    if (fps === undefined) throw new UsageError('--fps is required');
    if (!values.out) throw new UsageError('--out is required');
    const start = values.start === undefined ? undefined : Number(values.start);
    if (start !== undefined && !(Number.isFinite(start) && start >= 0))
      throw new UsageError('--start must be ≥ 0');

    configureMedia({ concurrency: config.sharpConcurrency });
    const source = await FileFrameSource.open(path, {
      fps,
      width: positiveNumber('width', values.width, true),
      startS: start,
      durationS: positiveNumber('duration', values.duration),
    });
    await mkdir(values.out, { recursive: true });
    let count = 0;
    for await (const frame of source) {
      const name = `frame-${String(frame.index).padStart(6, '0')}-t${frame.ptsS.toFixed(3).padStart(9, '0')}s.png`;
      await writeFile(join(values.out, name), await encodePng(frame.image));
      source.recycle(frame);
      count++;
    }
    for (const w of source.warnings) io.err(`warning: ${path}: ${w}`);
    io.out(`wrote ${count} frames to ${values.out}`);
    return 0;
  },
};
