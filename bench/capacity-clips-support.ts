/**
 * The capacity bench's input clips, made once and cached under data/bench/capacity:
 * - camera: the parking-4min-in-bay street scenario (rendered by `gridwatch synth scenarios`),
 *   its first 120 s at 25 fps, 1280×720, with light temporal noise so the bitstream costs what a
 *   real sensor's does (H.264 main, no B-frames, 2 s (or 1 s) GOP, ~2.5 Mbit/s, like a street camera);
 * - drone: the soil-drone-two-patches scenario (57 s, with its DJI SRT) at 30 fps, upscaled to
 *   3840×2160 with a slow pan so every frame differs.
 * Encoding takes a minute or two each on two cores; names carry a version to bump on changes.
 * Like test fixtures (test/support/video-fixtures.ts), these inputs are made with the ffmpeg CLI
 * directly; what the bench measures reaches ffmpeg through repositories/ffmpeg-repository.ts.
 */
import { spawn } from 'node:child_process';
import { existsSync, renameSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { probeVideo } from '../video/probe.js';

const DIR = resolve('data/bench/capacity');
const SCENARIOS = resolve('data/bench/scenarios');

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((ok, fail) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    p.on('error', fail);
    p.on('exit', (code) => (code === 0 ? ok() : fail(new Error(`${cmd} exited with ${code}`))));
  });
}

async function scenario(name: string): Promise<string> {
  const dir = join(SCENARIOS, `${name}-1280x768`);
  if (!existsSync(join(dir, `${name}.mp4`))) {
    console.log(`rendering scenario ${name} into ${SCENARIOS} (once)…`);
    await run(process.execPath, [
      'bin/gridwatch.js',
      ...['synth', 'scenarios', '--out', SCENARIOS, '--only', name, '--width', '1280'],
    ]);
  }
  return dir;
}

async function encodeOnce(out: string, input: string, args: string[]): Promise<void> {
  if (existsSync(out)) return;
  await mkdir(DIR, { recursive: true });
  console.log(`encoding ${out} (once; a minute or two)…`);
  const tmp = `${out}.tmp.mp4`;
  await run('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-y', '-i', input],
    ...args,
    ...['-an', '-movflags', '+faststart', tmp],
  ]);
  renameSync(tmp, out);
}

export interface CameraClip {
  path: string;
  /** The scenario's camera configuration (zones scale with the frame: they are normalised). */
  sourceJson: string;
}

/** `gop`: frames between key frames (50: 2 s, the usual camera default; 25: 1 s). */
export async function cameraClip(gop: number): Promise<CameraClip> {
  const dir = await scenario('parking-4min-in-bay');
  const path = join(DIR, `camera-720p25-g${gop}-v1.mp4`);
  await encodeOnce(path, join(dir, 'parking-4min-in-bay.mp4'), [
    ...['-t', '120', '-vf', 'fps=25,scale=1280:720,noise=alls=5:allf=t,format=yuv420p'],
    ...['-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', 'main', '-bf', '0', '-g', String(gop)],
    ...['-b:v', '2500k', '-maxrate', '3000k', '-bufsize', '3000k'],
  ]);
  return { path, sourceJson: join(dir, 'source.json') };
}

export interface DroneClip {
  path: string;
  sourceJson: string;
  srt: string;
  durationS: number;
}

export async function droneClip(): Promise<DroneClip> {
  const dir = await scenario('soil-drone-two-patches');
  const path = join(DIR, 'drone-4k30-v1.mp4');
  await encodeOnce(path, join(dir, 'soil-drone-two-patches.mp4'), [
    '-vf',
    "fps=30,scale=4032:2268,crop=3840:2160:x='min(191,t*3.3)':y='min(107,t*1.8)',format=yuv420p",
    ...['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30', '-crf', '23'],
  ]);
  const info = await probeVideo(path);
  return {
    path,
    sourceJson: join(dir, 'source.json'),
    srt: join(dir, 'soil-drone-two-patches.SRT'),
    durationS: info.durationS ?? 57,
  };
}
