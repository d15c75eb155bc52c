import { describe, expect, it } from 'vitest';
import { FrameBufferPool, RawFrameAssembler } from './raw-frame-assembler.js';

/** Feeds `bytes` as reads of at most `step` bytes, the way the socket would. */
function feed(a: RawFrameAssembler, bytes: Uint8Array, step: number): void {
  let at = 0;
  while (at < bytes.length) {
    const target = a.readTarget();
    const n = Math.min(step, target.length, bytes.length - at);
    target.set(bytes.subarray(at, at + n));
    a.received(target, n);
    at += n;
  }
}

const ramp = (n: number, from = 0) => Uint8Array.from({ length: n }, (_, i) => (from + i) % 251);

describe('RawFrameAssembler', () => {
  it('cuts reads that straddle frames into frames of the sizes showinfo gave', () => {
    const a = new RawFrameAssembler();
    a.addInfo({ ptsUs: 0, width: 2, height: 1 });
    a.addInfo({ ptsUs: 40_000, width: 1, height: 1 });
    feed(a, ramp(9), 4);
    expect(a.queued).toBe(2);
    expect(a.take()).toEqual({ ptsUs: 0, width: 2, height: 1, data: ramp(6) });
    expect(a.take()).toEqual({ ptsUs: 40_000, width: 1, height: 1, data: ramp(3, 6) });
    expect(a.progress()).toBeUndefined();
  });

  it('keeps bytes that arrive before their frame information, in order', () => {
    const a = new RawFrameAssembler();
    feed(a, ramp(5), 2);
    expect(a.queued).toBe(0);
    expect(a.progress()).toEqual({ filled: 5, size: null });
    a.addInfo({ ptsUs: null, width: 1, height: 1 });
    expect(a.take()?.data).toEqual(ramp(3));
    a.addInfo({ ptsUs: 7, width: 1, height: 1 });
    expect(a.progress()).toEqual({ filled: 2, size: 3 });
    feed(a, ramp(1, 5), 8);
    expect(a.take()).toEqual({ ptsUs: 7, width: 1, height: 1, data: ramp(3, 3) });
    expect(a.progress()).toBeUndefined();
  });

  it('reports a frame cut short', () => {
    const a = new RawFrameAssembler();
    a.addInfo({ ptsUs: 0, width: 2, height: 2 });
    feed(a, ramp(5), 5);
    expect(a.progress()).toEqual({ filled: 5, size: 12 });
  });

  it('decodes into a recycled frame buffer', () => {
    const a = new RawFrameAssembler();
    a.addInfo({ ptsUs: 0, width: 1, height: 1 });
    feed(a, ramp(3), 3);
    const first = a.take()!;
    expect(a.pool.release(first.data)).toBe(true);
    a.addInfo({ ptsUs: 1, width: 1, height: 1 });
    feed(a, ramp(3, 100), 3);
    const second = a.take()!;
    expect(second.data).toBe(first.data);
    expect(second.data).toEqual(ramp(3, 100));
  });
});

describe('FrameBufferPool', () => {
  it('takes back only its own buffers, each once', () => {
    const pool = new FrameBufferPool(2);
    const a = pool.acquire(6);
    expect(pool.release(new Uint8Array(6))).toBe(false);
    expect(pool.release(a)).toBe(true);
    expect(pool.release(a)).toBe(false);
    expect(pool.size).toBe(1);
    // Released twice would hand the same memory to two frames.
    const b = pool.acquire(6);
    const c = pool.acquire(6);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
  });

  it('hands out only buffers of the size asked for and keeps at most its capacity', () => {
    const pool = new FrameBufferPool(2);
    const bufs = [pool.acquire(3), pool.acquire(6), pool.acquire(9)];
    for (const b of bufs) pool.release(b);
    expect(pool.size).toBe(2);
    expect(pool.acquire(3)).not.toBe(bufs[0]);
    expect(pool.acquire(9)).toBe(bufs[2]);
    expect(pool.acquire(6).length).toBe(6);
  });

  it('refuses a buffer whose memory was transferred away', () => {
    const pool = new FrameBufferPool();
    const a = pool.acquire(4);
    const memory = a.buffer as ArrayBuffer;
    structuredClone(memory, { transfer: [memory] });
    expect(pool.release(a)).toBe(false);
  });
});
