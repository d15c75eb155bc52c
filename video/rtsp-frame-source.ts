/**
 * Frames from an RTSP camera in latest-frame mode: ffmpeg's output is read as fast as it comes
 * and only the newest complete frame is kept, so a slow consumer always gets the present, not a
 * growing backlog. A watchdog restarts a stalled stream; reconnects back off exponentially;
 * transient outages never surface as exceptions, only as camera status.
 */
import { InvalidInputError, errorMessage } from '../common/errors.js';
import {
  openRawVideoStream,
  redactInput,
  silentLogger,
  type MediaLogger,
  type RawVideoStream,
} from '../repositories/ffmpeg-repository.js';
import { backoffDelayMs, DEFAULT_BACKOFF, validateBackoff, type BackoffOptions } from './backoff.js';
import { CameraStatusTracker, type CameraStatus, type StatusListener } from './camera-status.js';
import type { FrameSource, VideoFrame } from './frame-types.js';
import { readRawFrames } from './raw-frame-reader.js';

export interface RtspFrameSourceOptions {
  url: string;
  width?: number;
  height?: number;
  /** Drop frames in ffmpeg beyond this rate (saves RGB conversion); never duplicates. */
  maxFps?: number;
  transport?: 'tcp' | 'udp';
  /** Decode only key frames (`nokey`) or skip unreferenced ones (`noref`): see RawVideoStreamOptions. */
  skipFrame?: 'nokey' | 'noref';
  /** No frame for this long on an established stream: kill it and reconnect. */
  stallTimeoutMs?: number;
  /** No first frame this long after starting ffmpeg: give up on that attempt. */
  connectTimeoutMs?: number;
  /** Without frames for this long, the camera is reported offline (retries go on). */
  offlineAfterMs?: number;
  backoff?: Partial<BackoffOptions>;
  logger?: MediaLogger;
  /** For tests: the jitter's random source. */
  random?: () => number;
}

export interface LiveFrame extends VideoFrame {
  /** Wall-clock time the frame was read from ffmpeg. */
  receivedAt: Date;
  /** The stream's own timestamp; restarts with every connection. */
  streamPtsS: number | null;
  /** Which connection (1, 2, …) delivered it. */
  connection: number;
}

export interface RtspSourceStats {
  /** Frames read from ffmpeg. */
  received: number;
  /** Frames handed to the consumer. */
  delivered: number;
  /** Frames replaced by a newer one before the consumer asked. */
  dropped: number;
  connections: number;
}

export class RtspFrameSource implements FrameSource<LiveFrame> {
  private readonly tracker: CameraStatusTracker;
  private readonly backoff: BackoffOptions;
  private readonly stallTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly logger: MediaLogger;
  private readonly openedAt = performance.now();
  private readonly counts: RtspSourceStats = { received: 0, delivered: 0, dropped: 0, connections: 0 };
  private latest: { frame: Omit<LiveFrame, 'index'>; seq: number } | undefined;
  private deliveredSeq = 0;
  private wake: (() => void) | undefined;
  private stream: RawVideoStream | undefined;
  private cancelSleep: (() => void) | undefined;
  private closed = false;
  private iterated = false;
  private readonly loop: Promise<void>;

  private constructor(private readonly opts: RtspFrameSourceOptions) {
    if (!/^rtsps?:\/\//i.test(opts.url))
      throw new InvalidInputError(`not an rtsp:// URL: ${redactInput(opts.url)}`);
    // Checked here: a bad option would otherwise fail every attempt and look like an outage.
    for (const key of ['width', 'height'] as const) {
      const v = opts[key];
      if (v !== undefined && !(Number.isInteger(v) && v > 0))
        throw new InvalidInputError(`${key} must be a positive integer`);
    }
    for (const key of ['maxFps', 'stallTimeoutMs', 'connectTimeoutMs', 'offlineAfterMs'] as const) {
      const v = opts[key];
      if (v !== undefined && !(Number.isFinite(v) && v > 0))
        throw new InvalidInputError(`${key} must be > 0`);
    }
    this.backoff = validateBackoff({ ...DEFAULT_BACKOFF, ...opts.backoff });
    this.stallTimeoutMs = opts.stallTimeoutMs ?? 10_000;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? Math.max(20_000, this.stallTimeoutMs);
    this.tracker = new CameraStatusTracker(opts.offlineAfterMs ?? 60_000);
    this.logger = opts.logger ?? silentLogger;
    this.loop = this.run();
  }

  /** Starts connecting at once; status is available before the first frame is asked for. */
  static open(opts: RtspFrameSourceOptions): RtspFrameSource {
    return new RtspFrameSource(opts);
  }

  status(): CameraStatus {
    return this.tracker.snapshot();
  }

  /** Called on every state change and every failed attempt; returns an unsubscribe function. */
  onStatus(listener: StatusListener): () => void {
    return this.tracker.onChange(listener);
  }

  stats(): RtspSourceStats {
    return { ...this.counts };
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<LiveFrame, void, undefined> {
    if (this.iterated) throw new InvalidInputError('an RTSP frame source can be iterated only once');
    this.iterated = true;
    try {
      while (!this.closed) {
        const latest = this.latest;
        if (latest && latest.seq > this.deliveredSeq) {
          this.counts.dropped += latest.seq - this.deliveredSeq - 1;
          this.deliveredSeq = latest.seq;
          yield { ...latest.frame, index: this.counts.delivered++ };
          continue;
        }
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      // Breaking out of the loop is how a for-await consumer says it is done.
      if (!this.closed) await this.close();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return this.loop;
    this.closed = true;
    this.stream?.kill();
    this.cancelSleep?.();
    this.notify();
    await this.loop;
    this.tracker.stopped();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.closed) {
      const { reason, gotFrames } = await this.connectOnce();
      if (this.closed) break;
      if (gotFrames) attempt = 0;
      this.tracker.connectionLost(reason);
      const delay = backoffDelayMs(attempt++, this.backoff, this.opts.random);
      this.logger.warn(`${redactInput(this.opts.url)}: ${reason}; reconnecting in ${delay} ms`);
      await this.sleep(delay);
    }
  }

  /** One ffmpeg connection, read until it ends, fails or stalls; never throws. */
  private async connectOnce(): Promise<{ reason: string; gotFrames: boolean }> {
    const o = this.opts;
    this.counts.connections++;
    const connection = this.counts.connections;
    let stalled: string | undefined;
    let gotFrames = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = (ms: number, what: string) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        stalled = what;
        this.stream?.kill();
      }, ms);
    };
    try {
      this.stream = openRawVideoStream({
        input: o.url,
        live: true,
        maxFps: o.maxFps,
        width: o.width,
        height: o.height,
        rtspTransport: o.transport ?? 'tcp',
        ...(o.skipFrame ? { skipFrame: o.skipFrame } : {}),
        // ffmpeg's own socket timeout is a backstop behind the watchdog.
        ioTimeoutMs: this.connectTimeoutMs * 2,
        logger: this.logger,
      });
      arm(this.connectTimeoutMs, `no frame within ${this.connectTimeoutMs} ms of connecting`);
      for await (const raw of readRawFrames(this.stream, o.url)) {
        const receivedAt = new Date();
        gotFrames = true;
        arm(this.stallTimeoutMs, `stream stalled: no frame for ${this.stallTimeoutMs} ms`);
        this.tracker.frameReceived(receivedAt);
        // A frame replaced before the consumer saw it was never handed out: its memory is free.
        if (this.latest && this.latest.seq > this.deliveredSeq)
          this.stream.recycle(this.latest.frame.image.data);
        this.counts.received++;
        this.latest = {
          seq: this.counts.received,
          frame: {
            image: { data: raw.data, width: raw.width, height: raw.height },
            // Seconds since open() on a monotonic clock: keeps increasing across reconnects,
            // unlike the stream's own timestamps.
            ptsS: (performance.now() - this.openedAt) / 1000,
            receivedAt,
            streamPtsS: raw.ptsUs === null ? null : raw.ptsUs / 1e6,
            connection,
          },
        };
        this.notify();
      }
      return { reason: stalled ?? 'stream ended', gotFrames };
    } catch (err) {
      return { reason: stalled ?? errorMessage(err), gotFrames };
    } finally {
      clearTimeout(timer);
      this.stream?.kill();
      this.stream = undefined;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.cancelSleep = done;
    });
  }
}
