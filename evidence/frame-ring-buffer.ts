/**
 * The last few seconds of a live camera as JPEG frames, so that a violation opening now can still
 * get its start and threshold snapshots and a clip after the decoded frames are gone. Bounded by
 * frame count, total bytes and age; the oldest frame goes first. The pipeline pushes frames in
 * pts order; a pts that goes backwards (a reconnect that restarted the camera's clock) starts a
 * new timeline, since frames from the old one could no longer be found by time.
 */

export interface BufferedFrame {
  /** Stream timestamp, the same clock as the violation engine's FrameRef.ptsS. */
  ptsS: number;
  jpeg: Uint8Array;
  wallClockMs?: number;
}

export interface FrameRingBufferOptions {
  /** Most frames kept; default 300 (e.g. 60 s at 5 fps). */
  capacity?: number;
  /** Most JPEG bytes kept; default 64 MiB. */
  maxBytes?: number;
  /** Frames older than the newest by more than this are dropped; default 60 s. */
  maxAgeS?: number;
}

export class FrameRingBuffer {
  readonly capacity: number;
  readonly maxBytes: number;
  readonly maxAgeS: number;
  private readonly slots: Array<BufferedFrame | undefined>;
  private head = 0;
  private count = 0;
  private totalBytes = 0;

  constructor(o: FrameRingBufferOptions = {}) {
    this.capacity = o.capacity ?? 300;
    this.maxBytes = o.maxBytes ?? 64 * 1024 * 1024;
    this.maxAgeS = o.maxAgeS ?? 60;
    if (!Number.isInteger(this.capacity) || this.capacity < 1) throw new RangeError('capacity must be ≥ 1');
    if (!(this.maxBytes > 0) || !(this.maxAgeS > 0)) throw new RangeError('maxBytes and maxAgeS must be > 0');
    this.slots = new Array<BufferedFrame | undefined>(this.capacity);
  }

  get size(): number {
    return this.count;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  /** Frame i, oldest first. */
  private at(i: number): BufferedFrame {
    return this.slots[(this.head + i) % this.capacity] as BufferedFrame;
  }

  oldest(): BufferedFrame | undefined {
    return this.count ? this.at(0) : undefined;
  }

  newest(): BufferedFrame | undefined {
    return this.count ? this.at(this.count - 1) : undefined;
  }

  private dropOldest(): void {
    const frame = this.at(0);
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    this.totalBytes -= frame.jpeg.byteLength;
  }

  clear(): void {
    this.slots.fill(undefined);
    this.head = 0;
    this.count = 0;
    this.totalBytes = 0;
  }

  /** Adds a frame; returns false (and keeps nothing) for a frame with a bad or repeated pts. */
  push(frame: BufferedFrame): boolean {
    if (!Number.isFinite(frame.ptsS) || !(frame.jpeg instanceof Uint8Array)) return false;
    const last = this.newest();
    if (last && frame.ptsS === last.ptsS) return false;
    if (last && frame.ptsS < last.ptsS) this.clear();
    while (
      this.count > 0 &&
      (this.count >= this.capacity ||
        this.totalBytes + frame.jpeg.byteLength > this.maxBytes ||
        this.at(0).ptsS < frame.ptsS - this.maxAgeS)
    ) {
      this.dropOldest();
    }
    this.slots[(this.head + this.count) % this.capacity] = frame;
    this.count++;
    this.totalBytes += frame.jpeg.byteLength;
    return true;
  }

  /** Index of the last frame with pts ≤ t, or -1. */
  private lastAtOrBefore(t: number): number {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.at(mid).ptsS <= t) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /**
   * The frame on screen at ptsS (the last one stamped ≤ ptsS + 1 ms), or the first after it when
   * none precedes; undefined when the chosen frame is more than maxGapS away.
   */
  frameAt(ptsS: number, maxGapS = 1): BufferedFrame | undefined {
    if (!this.count || !Number.isFinite(ptsS)) return undefined;
    const i = this.lastAtOrBefore(ptsS + 0.001);
    const frame = i >= 0 ? this.at(i) : this.at(0);
    return Math.abs(frame.ptsS - ptsS) <= maxGapS ? frame : undefined;
  }

  /** Frames with startS ≤ pts ≤ endS, oldest first (a copy of the list; the frames are shared). */
  between(startS: number, endS: number): BufferedFrame[] {
    const out: BufferedFrame[] = [];
    for (let i = Math.max(0, this.lastAtOrBefore(startS - 1e-9) + 1); i < this.count; i++) {
      const f = this.at(i);
      if (f.ptsS > endS) break;
      out.push(f);
    }
    return out;
  }
}
