import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRawVideoStream, type RawFrame } from '../repositories/ffmpeg-repository.js';
import { makeTestVideo, tempDir } from './support/video-fixtures.js';

async function frameTimes(o: Parameters<typeof openRawVideoStream>[0]): Promise<number[]> {
  const stream = openRawVideoStream(o);
  const times: number[] = [];
  for (let f: RawFrame | null; (f = await stream.nextFrame());) times.push(f.ptsUs! / 1e6);
  expect((await stream.exited).ok).toBe(true);
  return times;
}

describe('skipFrame: decoding only the frames sampling needs', () => {
  let dir: string;
  let clip: string;
  beforeAll(async () => {
    dir = tempDir();
    // 25 fps, a key frame every 25 frames (1 s GOP), no B-frames: like a camera.
    clip = await makeTestVideo(join(dir, 'gop25.mp4'), {
      seconds: 4,
      extra: ['-g', '25', '-keyint_min', '25', '-sc_threshold', '0', '-bf', '0'],
    });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('decodes every frame by default', async () => {
    expect(await frameTimes({ input: clip })).toHaveLength(100);
  });

  it('nokey delivers the key frames only, one per GOP', async () => {
    const times = await frameTimes({ input: clip, skipFrame: 'nokey' });
    expect(times).toEqual([0, 1, 2, 3]);
  });

  it('nokey with a 1 frame/s limit keeps every key frame of a 1 s GOP', async () => {
    const times = await frameTimes({ input: clip, skipFrame: 'nokey', maxFps: 1, live: true });
    expect(times).toHaveLength(4);
  });

  it('noref skips the frames nothing refers to (B-frames here) and keeps the rest', async () => {
    const withB = await makeTestVideo(join(dir, 'bframes.mp4'), {
      seconds: 4,
      extra: ['-g', '25', '-bf', '2', '-b_strategy', '0', '-x264-params', 'b-pyramid=0'],
    });
    const all = await frameTimes({ input: withB });
    const refs = await frameTimes({ input: withB, skipFrame: 'noref' });
    expect(all).toHaveLength(100);
    expect(refs.length).toBeGreaterThan(20);
    expect(refs.length).toBeLessThan(60);
    expect(refs.every((t) => all.includes(t))).toBe(true);
  });
});
