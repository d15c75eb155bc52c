/**
 * Cuts ffmpeg's rgb24 byte stream into frames, using the size and timestamp showinfo reports for
 * each frame on stderr. Socket reads land directly in the frame being filled (no intermediate
 * chunk buffers: allocating one per 64 KB read cost more CPU than the decode at 1 frame/s).
 * Bytes that arrive before their frame's stderr line, which the two channels allow, wait in a
 * side list until it comes.
 */

/** What showinfo reports for one delivered frame, in output order. */
export interface RawFrameInfo {
  /** Microseconds; null when the frame carried no timestamp. */
  ptsUs: number | null;
  width: number;
  height: number;
}

export interface RawFrame extends RawFrameInfo {
  data: Uint8Array;
}

const SCRATCH_BYTES = 256 * 1024;
const POOL_FRAMES = 4;

/**
 * Frame buffers handed back by consumers that are done with a frame, for the next frames of the
 * same size. Fresh memory costs a page fault per 4 KB on first write: 30 frames of 768×432 took
 * about 100 ms of system time, more than moving their bytes. Only buffers this pool issued are
 * taken back, and each once, so a frame can never share pixels with another.
 */
export class FrameBufferPool {
  private readonly issued = new WeakSet<Uint8Array>();
  private readonly free: Uint8Array[] = [];

  constructor(private readonly capacity = POOL_FRAMES) {}

  get size(): number {
    return this.free.length;
  }

  acquire(bytes: number): Uint8Array {
    const i = this.free.findIndex((b) => b.length === bytes);
    const buf = i >= 0 ? this.free.splice(i, 1)[0]! : unzeroed(bytes);
    this.issued.add(buf);
    return buf;
  }

  /** False (and nothing kept) for a buffer not issued here, already released, or detached. */
  release(buf: Uint8Array): boolean {
    if (!this.issued.delete(buf) || buf.byteLength === 0) return false;
    if (this.free.length >= this.capacity) this.free.shift();
    this.free.push(buf);
    return true;
  }
}

/** Every byte is about to be overwritten by pixels, so the zero-fill would be wasted. */
function unzeroed(bytes: number): Uint8Array {
  const b = Buffer.allocUnsafeSlow(bytes);
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

export class RawFrameAssembler {
  private readonly infos: RawFrameInfo[] = [];
  private readonly ready: RawFrame[] = [];
  private current: { frame: RawFrame; filled: number } | undefined;
  /** Bytes read before the info that sizes them; in arrival order. */
  private early: Uint8Array[] = [];
  private scratch: Uint8Array | undefined;

  constructor(readonly pool = new FrameBufferPool()) {}

  /** Complete frames not yet taken. */
  get queued(): number {
    return this.ready.length;
  }

  /**
   * Undefined between frames. Otherwise the stream must not end here: a frame part-filled (its
   * size known), or bytes waiting for the info that sizes them (size null).
   */
  progress(): { filled: number; size: number | null } | undefined {
    if (this.current) return { filled: this.current.filled, size: this.current.frame.data.length };
    const early = this.early.reduce((n, b) => n + b.length, 0);
    return early ? { filled: early, size: null } : undefined;
  }

  addInfo(info: RawFrameInfo): void {
    this.infos.push(info);
    if (this.early.length) this.placeEarlyBytes();
  }

  /** Where the next read should write: the rest of the current frame, or scratch space. */
  readTarget(): Uint8Array {
    if (!this.early.length && this.openFrame()) {
      const c = this.current!;
      return c.frame.data.subarray(c.filled);
    }
    this.scratch ??= new Uint8Array(SCRATCH_BYTES);
    return this.scratch;
  }

  /** `n` bytes were written to `target` (the last readTarget()). */
  received(target: Uint8Array, n: number): void {
    if (n <= 0) return;
    if (target === this.scratch) {
      this.early.push(target.slice(0, n));
      this.placeEarlyBytes();
      return;
    }
    this.current!.filled += n;
    this.completeIfFull();
  }

  take(): RawFrame | undefined {
    return this.ready.shift();
  }

  private openFrame(): boolean {
    if (this.current) return true;
    const info = this.infos.shift();
    if (!info) return false;
    this.current = { frame: { ...info, data: this.pool.acquire(info.width * info.height * 3) }, filled: 0 };
    return true;
  }

  private completeIfFull(): void {
    const c = this.current!;
    if (c.filled < c.frame.data.length) return;
    this.ready.push(c.frame);
    this.current = undefined;
  }

  private placeEarlyBytes(): void {
    while (this.early.length && this.openFrame()) {
      const c = this.current!;
      const chunk = this.early[0]!;
      const n = Math.min(chunk.length, c.frame.data.length - c.filled);
      c.frame.data.set(chunk.subarray(0, n), c.filled);
      c.filled += n;
      if (n === chunk.length) this.early.shift();
      else this.early[0] = chunk.subarray(n);
      this.completeIfFull();
    }
  }
}
