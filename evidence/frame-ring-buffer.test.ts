import { describe, expect, it } from 'vitest';
import { FrameRingBuffer } from './frame-ring-buffer.js';

const jpeg = (n: number) => new Uint8Array(n);

function filled(
  o: ConstructorParameters<typeof FrameRingBuffer>[0],
  pts: number[],
  size = 10,
): FrameRingBuffer {
  const ring = new FrameRingBuffer(o);
  for (const p of pts) ring.push({ ptsS: p, jpeg: jpeg(size) });
  return ring;
}

describe('FrameRingBuffer', () => {
  it('keeps the newest frames up to its capacity, wrapping around', () => {
    const ring = filled({ capacity: 4 }, [0, 1, 2, 3, 4, 5, 6]);
    expect(ring.size).toBe(4);
    expect(ring.between(-Infinity, Infinity).map((f) => f.ptsS)).toEqual([3, 4, 5, 6]);
    expect(ring.oldest()?.ptsS).toBe(3);
    expect(ring.newest()?.ptsS).toBe(6);
    expect(ring.bytes).toBe(40);
  });

  it('drops frames to stay under the byte budget and the age limit', () => {
    expect(
      filled({ maxBytes: 25 }, [0, 1, 2, 3])
        .between(-1, 10)
        .map((f) => f.ptsS),
    ).toEqual([2, 3]);
    expect(
      filled({ maxAgeS: 2 }, [0, 1, 2, 3, 4])
        .between(-1, 10)
        .map((f) => f.ptsS),
    ).toEqual([2, 3, 4]);
  });

  it('finds the frame on screen at a time, within a gap', () => {
    const ring = filled({}, [10, 10.2, 10.4, 10.6]);
    expect(ring.frameAt(10.2)?.ptsS).toBe(10.2);
    expect(ring.frameAt(10.3)?.ptsS).toBe(10.2);
    expect(ring.frameAt(10.6004)?.ptsS).toBe(10.6);
    expect(ring.frameAt(9.8)?.ptsS).toBe(10);
    expect(ring.frameAt(12)?.ptsS).toBe(undefined);
    expect(ring.frameAt(11.5, 1)?.ptsS).toBe(10.6);
    expect(ring.frameAt(8)).toBeUndefined();
    expect(new FrameRingBuffer().frameAt(1)).toBeUndefined();
  });

  it('returns the frames of a window, inclusive', () => {
    const ring = filled({ capacity: 5 }, [0, 1, 2, 3, 4, 5, 6, 7]);
    expect(ring.between(4, 6).map((f) => f.ptsS)).toEqual([4, 5, 6]);
    expect(ring.between(0, 3.5).map((f) => f.ptsS)).toEqual([3]);
    expect(ring.between(8, 9)).toEqual([]);
  });

  it('ignores repeated and non-finite pts; a pts going backwards starts a new timeline', () => {
    const ring = filled({}, [5, 6]);
    expect(ring.push({ ptsS: 6, jpeg: jpeg(1) })).toBe(false);
    expect(ring.push({ ptsS: Number.NaN, jpeg: jpeg(1) })).toBe(false);
    expect(ring.push({ ptsS: 0.5, jpeg: jpeg(1) })).toBe(true);
    expect(ring.between(-1, 100).map((f) => f.ptsS)).toEqual([0.5]);
    expect(ring.bytes).toBe(1);
  });
});
