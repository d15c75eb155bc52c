/**
 * Small videos made on the fly with the ffmpeg CLI (test fixtures only; product code reaches
 * ffmpeg through repositories/ffmpeg-repository.ts).
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

let encoders: string | undefined;

export function hasEncoder(name: string): boolean {
  encoders ??= execFileSync('ffmpeg', ['-hide_banner', '-encoders'], { encoding: 'utf8' });
  return new RegExp(`^\\s*V\\S*\\s+${name}\\s`, 'm').test(encoders);
}

export function tempDir(prefix = 'gridwatch-video-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface TestVideoOptions {
  codec?: 'libx264' | 'libx265';
  seconds?: number;
  fps?: number;
  width?: number;
  height?: number;
  /** Extra output arguments, placed before the file name. */
  extra?: string[];
  /** Extra inputs (e.g. ['-i', 'telemetry.srt']), after the test pattern. */
  inputs?: string[];
}

/** A test-pattern clip: every frame differs, so decode order and content can be checked. */
export async function makeTestVideo(path: string, o: TestVideoOptions = {}): Promise<string> {
  const codec = o.codec ?? 'libx264';
  const args = [
    '-hide_banner',
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc=size=${o.width ?? 320}x${o.height ?? 240}:rate=${o.fps ?? 25}:duration=${o.seconds ?? 2}`,
    ...(o.inputs ?? []),
    '-c:v',
    codec,
    '-pix_fmt',
    'yuv420p',
    ...(codec === 'libx265' ? ['-x265-params', 'log-level=error'] : ['-preset', 'ultrafast']),
    ...(o.extra ?? []),
    path,
  ];
  await run('ffmpeg', args);
  return path;
}

export async function ffmpegCli(args: string[]): Promise<void> {
  await run('ffmpeg', ['-hide_banner', '-v', 'error', '-y', ...args]);
}
