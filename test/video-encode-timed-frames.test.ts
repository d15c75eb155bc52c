/** encodeTimedFrames against real ffmpeg: frames keep exactly the timestamps they were given. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../common/errors.js';
import { encodeTimedFrames, type TimedRawFrame } from '../repositories/ffmpeg-repository.js';
import { FileFrameSource } from '../video/file-frame-source.js';
import { probeVideo } from '../video/probe.js';
import { tempDir } from './support/video-fixtures.js';

function frame(ptsS: number, grey: number, width = 64, height = 48): TimedRawFrame {
  return { data: new Uint8Array(width * height * 3).fill(grey), width, height, ptsS };
}

async function decode(path: string): Promise<{ ptsS: number; grey: number }[]> {
  const out: { ptsS: number; grey: number }[] = [];
  for await (const f of await FileFrameSource.open(path)) out.push({ ptsS: f.ptsS, grey: f.image.data[0]! });
  return out;
}

describe('encodeTimedFrames', () => {
  it('stamps each frame with its own time, at any spacing', async () => {
    const out = join(tempDir(), 'vfr.mp4');
    const n = await encodeTimedFrames([frame(0, 40), frame(10, 90), frame(25, 140), frame(40, 200)], { out });
    expect(n).toBe(4);
    const frames = await decode(out);
    expect(frames.map((f) => f.ptsS)).toEqual([0, 10, 25, 40]);
    for (const [i, grey] of [40, 90, 140, 200].entries())
      expect(Math.abs(frames[i]!.grey - grey)).toBeLessThan(6);
  });

  it('keeps millisecond spacing, starts the container at the first timestamp, takes an async source', async () => {
    const out = join(tempDir(), 'late.mp4');
    async function* frames() {
      for (const t of [5, 6.5, 7.25, 8.001]) yield frame(t, 120);
    }
    await encodeTimedFrames(frames(), { out });
    expect((await probeVideo(out)).startTimeS).toBeCloseTo(5, 3);
    // Frame sources count from the container start.
    expect((await decode(out)).map((f) => f.ptsS)).toEqual([0, 1.5, 2.25, 3.001]);
  });

  it('muxes an SRT as a text subtitle track', async () => {
    const dir = tempDir();
    const srt = join(dir, 't.srt');
    await writeFile(
      srt,
      '1\n00:00:00,000 --> 00:00:01,000\nhello\n\n2\n00:00:01,000 --> 00:00:02,000\nthere\n',
    );
    const out = join(dir, 'sub.mp4');
    await encodeTimedFrames([frame(0, 1), frame(1, 2)], { out, subtitles: srt });
    const info = await probeVideo(out);
    expect(info.subtitleTracks).toEqual([expect.objectContaining({ codec: 'mov_text', isText: true })]);
  });

  it('rejects frames it cannot place, saying which', async () => {
    const out = join(tempDir(), 'bad.mp4');
    await expect(encodeTimedFrames([], { out })).rejects.toThrow(/no frames/);
    await expect(encodeTimedFrames([frame(0, 1), frame(0, 2)], { out })).rejects.toThrow(
      /frame 1: timestamps must increase/,
    );
    await expect(encodeTimedFrames([frame(-1, 1)], { out })).rejects.toThrow(InvalidInputError);
    await expect(encodeTimedFrames([frame(0, 1), frame(1, 1, 32, 32)], { out })).rejects.toThrow(
      /frame 1 is 32×32/,
    );
    await expect(encodeTimedFrames([{ ...frame(0, 1), data: new Uint8Array(5) }], { out })).rejects.toThrow(
      /5 bytes/,
    );
    await expect(encodeTimedFrames([frame(0, 1)], { out, crf: 99 })).rejects.toThrow(/crf/);
  });
});
