import { createHash } from 'node:crypto';
import { readdir, rm, writeFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaError } from '../common/errors.js';
import { openRawVideoStream, runNullDecode } from '../repositories/ffmpeg-repository.js';
import { FileFrameSource } from '../video/file-frame-source.js';
import type { VideoFrame } from '../video/frame-types.js';
import { sharedAsset } from './support/shared-assets.js';
import { ffmpegCli, hasEncoder, makeTestVideo, tempDir } from './support/video-fixtures.js';

async function collect(path: string, opts: Parameters<typeof FileFrameSource.open>[1] = {}) {
  const source = await FileFrameSource.open(path, opts);
  const frames: VideoFrame[] = [];
  for await (const f of source) frames.push(f);
  return { frames, source };
}

function expectMonotonic(frames: VideoFrame[]): void {
  for (let i = 1; i < frames.length; i++) expect(frames[i]!.ptsS).toBeGreaterThan(frames[i - 1]!.ptsS);
  frames.forEach((f, i) => expect(f.index).toBe(i));
}

describe('file frame source on the shared videos', () => {
  it('decodes all 431 frames of street_night.mp4 at native size with monotonic timestamps', async () => {
    const { frames } = await collect(sharedAsset('media/street_night.mp4'));
    expect(frames).toHaveLength(431);
    expectMonotonic(frames);
    expect(frames[0]!.ptsS).toBe(0);
    expect(frames[430]!.ptsS).toBeCloseTo(430 / 30, 5);
    const { image } = frames[200]!;
    expect([image.width, image.height, image.data.length]).toEqual([426, 240, 426 * 240 * 3]);
  });

  it('decodes all 377 frames of parking_lot_topdown.mp4 (ffprobe -count_frames), scaled in ffmpeg', async () => {
    const { frames } = await collect(sharedAsset('media/parking_lot_topdown.mp4'), { width: 192 });
    expect(frames).toHaveLength(377);
    expectMonotonic(frames);
    expect([frames[0]!.image.width, frames[0]!.image.height]).toEqual([192, 108]);
    // 12.5 fps: every frame on the 80 ms grid.
    for (const f of frames) expect(Math.abs(f.ptsS * 12.5 - Math.round(f.ptsS * 12.5))).toBeLessThan(1e-4);
  });

  it('samples on the grid k/fps', async () => {
    const { frames } = await collect(sharedAsset('media/parking_lot_topdown.mp4'), { fps: 5, width: 96 });
    expect(frames.length).toBeGreaterThanOrEqual(150);
    expect(frames.length).toBeLessThanOrEqual(152);
    frames.forEach((f, k) => expect(f.ptsS).toBeCloseTo(k / 5, 6));
  });

  it('applies back-pressure: a consumer that stops reading stops ffmpeg instead of buffering', async () => {
    // street_night at native size is 132 MB of RGB; untaken, at most two frames wait.
    const stream = openRawVideoStream({ input: sharedAsset('media/street_night.mp4') });
    let exited = false;
    void stream.exited.then(() => (exited = true));
    await new Promise((r) => setTimeout(r, 800));
    expect(exited).toBe(false);
    expect(stream.queued).toBeLessThanOrEqual(2);
    stream.kill();
    expect((await stream.exited).killed).toBe(true);
  });

  it('decodes into recycled frames the same pixels as into fresh ones, and leaves no socket folder', async () => {
    const tmp = tempDir();
    const saved = process.env.TMPDIR;
    // The stream's socket folder goes under os.tmpdir(), which reads TMPDIR on each call.
    process.env.TMPDIR = tmp;
    try {
      const path = sharedAsset('media/parking_lot_topdown.mp4');
      const digest = (d: Uint8Array) => createHash('sha1').update(d).digest('hex');
      const { frames } = await collect(path, { fps: 2, width: 128 });
      const fresh = frames.map((f) => digest(f.image.data));
      const source = await FileFrameSource.open(path, { fps: 2, width: 128 });
      const recycled: string[] = [];
      const buffers = new Set<ArrayBufferLike>();
      for await (const f of source) {
        recycled.push(digest(f.image.data));
        buffers.add(f.image.data.buffer);
        source.recycle(f);
      }
      expect(recycled).toEqual(fresh);
      // Two frames wait in the stream and one is with the consumer: three buffers serve them all.
      expect(buffers.size).toBeLessThanOrEqual(3);
      expect(await readdir(tmp)).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
      await rm(tmp, { recursive: true, force: true });
    }
  });

  it('decodes the same pixels and timestamps with one decoder thread as with several', async () => {
    const path = sharedAsset('media/street_night.mp4');
    const digest = (d: Uint8Array) => createHash('sha1').update(d).digest('hex');
    const decode = async (threads: number) => {
      const commands: string[] = [];
      const logger = { debug: (m: string) => commands.push(m), warn: () => {} };
      const { frames, source } = await collect(path, { fps: 5, width: 160, threads, logger });
      expect(source.threads).toBe(threads);
      expect(commands.find((m) => m.startsWith('ffmpeg started'))).toContain(` -threads ${threads} `);
      return frames.map((f) => `${f.ptsS} ${digest(f.image.data)}`);
    };
    const one = await decode(1);
    expect(one).toHaveLength(72);
    expect(await decode(3)).toEqual(one);
  });

  it("the bench's ceiling runs the source's own ffmpeg command into /dev/null: same frames", async () => {
    const path = sharedAsset('media/street_night.mp4');
    const { frames, source } = await collect(path, { fps: 2, width: 96 });
    const ceiling = await runNullDecode({
      input: path,
      fps: 2,
      width: 96,
      threads: source.threads,
      asFrameSource: true,
    });
    expect(ceiling.frames).toBe(frames.length);
    expect(ceiling.frames).toBe(29);
  });

  it('stops ffmpeg when the consumer breaks out early', async () => {
    const source = await FileFrameSource.open(sharedAsset('media/street_night.mp4'));
    let n = 0;
    for await (const _ of source) if (++n === 5) break;
    expect(n).toBe(5);
    await source.close();
  });
});

describe('file frame source on generated containers and codecs', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.for([
    ['H.264 in MP4', 'h264.mp4', 'libx264'],
    ['H.264 in MOV', 'h264.mov', 'libx264'],
    ['H.264 in MKV', 'h264.mkv', 'libx264'],
    ['H.265 in MP4', 'h265.mp4', 'libx265'],
    ['H.265 in MKV', 'h265.mkv', 'libx265'],
  ] as const)('%s: 50 frames at 25 fps', async ([, file, codec], ctx) => {
    ctx.skip(
      !hasEncoder(codec),
      `this ffmpeg has no ${codec} encoder, so no ${codec} fixture can be made (decoding is not what is missing)`,
    );
    const path = await makeTestVideo(join(dir, file), { codec, seconds: 2, fps: 25 });
    const { frames, source } = await collect(path, { width: 160 });
    expect(source.info.video.codec).toBe(codec === 'libx265' ? 'hevc' : 'h264');
    expect(frames).toHaveLength(50);
    expectMonotonic(frames);
    frames.forEach((f, k) => expect(f.ptsS).toBeCloseTo(k / 25, 3));
    expect([frames[0]!.image.width, frames[0]!.image.height]).toEqual([160, 120]);
  });

  it('delivers rotated video upright (display size)', async () => {
    const plain = await makeTestVideo(join(dir, 'plain.mov'), { seconds: 1, fps: 10 });
    const rotated = join(dir, 'rotated.mov');
    await ffmpegCli(['-i', plain, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', rotated]);
    const { frames, source } = await collect(rotated);
    expect(source.info.video.rotation % 180).toBe(90);
    expect([frames[0]!.image.width, frames[0]!.image.height]).toEqual([240, 320]);
  });

  it('names the file and the problem for unreadable input', async () => {
    const text = join(dir, 'notes.mp4');
    await writeFile(text, 'this is not a video\n');
    const err = await FileFrameSource.open(text).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MediaError);
    expect((err as MediaError).message).toMatch(
      new RegExp(`^cannot read ${text}: Invalid data found when processing input( \\(.*\\))?$`),
    );

    const whole = await makeTestVideo(join(dir, 'whole.mp4'), { seconds: 2 });
    const cut = join(dir, 'cut.mp4');
    const bytes = await readFile(whole);
    await writeFile(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expect(FileFrameSource.open(cut)).rejects.toThrow(
      /cannot read .*cut\.mp4: .*(moov atom not found|end of file)/,
    );

    const audio = join(dir, 'tone.m4a');
    await ffmpegCli(['-f', 'lavfi', '-i', 'sine=d=0.5', audio]);
    await expect(FileFrameSource.open(audio)).rejects.toThrow(
      `cannot read ${audio}: no video stream (found audio)`,
    );

    await expect(FileFrameSource.open(join(dir, 'missing.mp4'))).rejects.toThrow(
      /missing\.mp4: no such file/,
    );
    await expect(FileFrameSource.open(dir)).rejects.toThrow(`cannot read ${dir}: not a regular file`);
    await expect(FileFrameSource.open(sharedAsset('media/single_car.jpg'))).rejects.toThrow(
      /single_car\.jpg: a still image \(mjpeg\), not a video/,
    );
  });

  it('delivers what a truncated fast-start file holds and reports the damage as warnings', async () => {
    const whole = await makeTestVideo(join(dir, 'faststart.mp4'), {
      seconds: 4,
      extra: ['-movflags', '+faststart'],
    });
    const cut = join(dir, 'faststart-cut.mp4');
    const bytes = await readFile(whole);
    await writeFile(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const { frames, source } = await collect(cut, { width: 80 });
    expect(frames.length).toBeGreaterThan(0);
    expect(frames.length).toBeLessThan(100);
    expect(source.warnings.join('\n')).toMatch(/partial file|Invalid|corrupt/i);
  });

  it('rejects bad options before starting ffmpeg', async () => {
    const source = await FileFrameSource.open(sharedAsset('media/street_night.mp4'), { fps: -1 });
    await expect(async () => {
      for await (const _ of source) break;
    }).rejects.toThrow(/fps must be a positive number/);
    const threads = await FileFrameSource.open(sharedAsset('media/street_night.mp4'), { threads: 1.5 });
    await expect(async () => {
      for await (const _ of threads) break;
    }).rejects.toThrow(/threads must be a positive integer/);
  });
});
