import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../common/errors.js';
import { FileFrameSource, openSegmentSources } from '../video/file-frame-source.js';
import type { VideoFrame } from '../video/frame-types.js';
import { segmentOwns, segmentWindow, splitIntoSegments } from '../video/segments.js';
import { sharedAsset } from './support/shared-assets.js';

async function drain(source: AsyncIterable<VideoFrame>): Promise<VideoFrame[]> {
  const out: VideoFrame[] = [];
  for await (const f of source) out.push(f);
  return out;
}

/** Whole-file frames vs the concatenation of the segments' frames, compared by timestamp and pixels. */
async function expectExactlyOnce(path: string, count: number, opts: { fps?: number; width?: number }) {
  const whole = await drain(await FileFrameSource.open(path, opts));
  const { segments, sources } = await openSegmentSources(path, count, opts);
  const parts = await Promise.all(sources.map(drain));
  parts.forEach((frames, i) => {
    expect(frames.length).toBeGreaterThan(0);
    for (const f of frames)
      expect(segmentOwns(segments[i]!, f.ptsS), `segment ${i} owns ${f.ptsS}`).toBe(true);
  });
  const union = parts.flat();
  expect(union.map((f) => Math.round(f.ptsS * 1000))).toEqual(whole.map((f) => Math.round(f.ptsS * 1000)));
  union.forEach((f, i) => {
    expect(Math.abs(f.ptsS - whole[i]!.ptsS)).toBeLessThan(0.001);
    expect(Buffer.from(f.image.data).equals(Buffer.from(whole[i]!.image.data)), `pixels of frame ${i}`).toBe(
      true,
    );
  });
  return { whole, parts };
}

describe('splitIntoSegments', () => {
  it('covers the duration with contiguous whole-microsecond boundaries', () => {
    const segs = splitIntoSegments(14.366667, 3);
    expect(segs.map((s) => [s.startS, s.endS, s.isLast])).toEqual([
      [0, 4.788889, false],
      [4.788889, 9.577778, false],
      [9.577778, 14.366667, true],
    ]);
    for (let i = 1; i < segs.length; i++) expect(segs[i]!.startS).toBe(segs[i - 1]!.endS);
  });

  it('gives each boundary timestamp to exactly one segment; the last one keeps its end and beyond', () => {
    const segs = splitIntoSegments(3, 3);
    const owners = (t: number) => segs.filter((s) => segmentOwns(s, t)).map((s) => s.index);
    expect(owners(0)).toEqual([0]);
    expect(owners(1)).toEqual([1]);
    expect(owners(0.9999999)).toEqual([1]); // rounds to the boundary microsecond
    expect(owners(2)).toEqual([2]);
    expect(owners(3)).toEqual([2]);
    expect(owners(3.04)).toEqual([2]);
    expect(segmentWindow(segs[0]!)).toEqual({ startS: 0, durationS: 1 });
    expect(segmentWindow(segs[2]!)).toEqual({ startS: 2 });
  });

  it('rejects nonsense', () => {
    expect(() => splitIntoSegments(0, 2)).toThrow(InvalidInputError);
    expect(() => splitIntoSegments(10, 0)).toThrow(InvalidInputError);
    expect(() => splitIntoSegments(10, 1.5)).toThrow(InvalidInputError);
  });
});

describe('segments decode every frame exactly once', () => {
  it('street_night.mp4, every frame, 3 segments', async () => {
    const { whole, parts } = await expectExactlyOnce(sharedAsset('media/street_night.mp4'), 3, {
      width: 106,
    });
    expect(whole).toHaveLength(431);
    expect(parts.map((p) => p.length).reduce((a, b) => a + b)).toBe(431);
  });

  it('parking_lot_topdown.mp4 resampled to 7 fps (grid off the source frames), 3 segments', async () => {
    await expectExactlyOnce(sharedAsset('media/parking_lot_topdown.mp4'), 3, { fps: 7, width: 96 });
  });

  it('a frame exactly on a window boundary belongs to the later window only', async () => {
    const path = sharedAsset('media/street_night.mp4');
    const first = await drain(await FileFrameSource.open(path, { startS: 0, durationS: 1, width: 64 }));
    const second = await drain(await FileFrameSource.open(path, { startS: 1, durationS: 1, width: 64 }));
    expect(first).toHaveLength(30);
    expect(first[29]!.ptsS).toBeCloseTo(29 / 30, 6);
    expect(second[0]!.ptsS).toBeCloseTo(1, 6);
    expect(second).toHaveLength(30);
  });
});
