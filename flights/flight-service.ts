/**
 * Drone flight uploads: a video (and optionally its DJI telemetry subtitle file) streamed to disk
 * under `<dataDir>/uploads`, checked by content as it arrives, recorded, and handed to the flight
 * queue; then status and progress as the analysis reports them.
 *
 * An upload is written into `uploads/.incoming/<id>/` and moved to `uploads/<id>/` only once
 * everything checked out, so a refused or broken upload leaves nothing behind and nothing queued.
 * Client file names are kept as metadata only; paths are always made here.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { errorMessage, InvalidInputError, QueueUnavailableError } from '../common/errors.js';
import { DetailedError, NotFoundError } from '../cases/case-errors.js';
import type { Page } from '../cases/case-model.js';
import { decodeSeqCursor, encodeCursor, pageLimit } from '../cases/page-cursor.js';
import { FlightRepository, type FlightRecord, type FlightStatus } from '../repositories/database-flights.js';
import type { Database } from '../repositories/database-repository.js';
import {
  isUtf16,
  sniffTelemetrySrt,
  sniffVideo,
  SRT_SNIFF_BYTES,
  VIDEO_SNIFF_BYTES,
  type VideoFormat,
} from './content-sniff.js';
import { FlightNotQueuedError, PayloadTooLargeError, UnsupportedMediaError } from './flight-errors.js';
import { NoopFlightQueue, type FlightQueue } from './flight-queue.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CURSOR_KIND = 'flights';
export const DEFAULT_MAX_UPLOAD_BYTES = 4 * 1024 ** 3;
/** A 30-minute flight at 60 fps writes about 30 MB of telemetry. */
export const DEFAULT_MAX_SRT_BYTES = 256 * 1024 ** 2;

export interface FlightServiceOptions {
  /** GRIDWATCH_DATA_DIR; uploads go to `<dataDir>/uploads`. */
  dataDir: string;
  maxVideoBytes?: number | undefined;
  maxSrtBytes?: number | undefined;
  queue?: FlightQueue | undefined;
}

/** A flight as the API shows it: no disk paths. */
export interface Flight {
  id: string;
  sourceId: string | null;
  status: FlightStatus;
  progress: number;
  error: string | null;
  video: { name: string | null; bytes: number; format: string };
  srt: { bytes: number } | null;
  metadata: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

function view(r: FlightRecord): Flight {
  return {
    id: r.id,
    sourceId: r.sourceId,
    status: r.status,
    progress: r.progress,
    error: r.error,
    video: { name: r.videoName, bytes: r.videoBytes, format: r.videoFormat },
    srt: r.srtPath === null ? null : { bytes: r.srtBytes ?? 0 },
    metadata: r.metadata,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

/** A client's file name, fit to show and store: no directories, no control characters, bounded. */
export function cleanFileName(name: string | undefined): string | null {
  if (name === undefined) return null;
  // eslint-disable-next-line no-control-regex
  const base = (name.split(/[\\/]/).pop() ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return base === '' ? null : base.slice(0, 200);
}

interface GuardOptions {
  maxBytes: number;
  sniffBytes: number;
  /** Throws when the head is not acceptable; nothing is written before it passed. */
  check(head: Buffer): void;
  /** Sees every chunk after the head; throws to refuse the upload. */
  onChunk?: (chunk: Buffer) => void;
  tooLarge(): Error;
}

/** Holds back the first bytes until they pass the check, and counts bytes against the limit. */
class UploadGuard extends Transform {
  bytes = 0;
  private head: Buffer[] = [];
  private headBytes = 0;
  private checked = false;

  constructor(private readonly opts: GuardOptions) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.opts.maxBytes) {
      done(this.opts.tooLarge());
      return;
    }
    if (this.checked) {
      try {
        this.opts.onChunk?.(chunk);
      } catch (err) {
        done(err as Error);
        return;
      }
      done(null, chunk);
      return;
    }
    this.head.push(chunk);
    this.headBytes += chunk.length;
    if (this.headBytes < this.opts.sniffBytes) {
      done();
      return;
    }
    this.release(done);
  }

  override _flush(done: TransformCallback): void {
    if (this.checked) done();
    else this.release(done);
  }

  private release(done: TransformCallback): void {
    const head = Buffer.concat(this.head);
    this.head = [];
    this.checked = true;
    try {
      this.opts.check(head);
    } catch (err) {
      done(err as Error);
      return;
    }
    done(null, head);
  }
}

/** One upload in progress. Parts are taken in the order they arrive; commit() or abort() ends it. */
export class FlightUpload {
  readonly id = randomUUID();
  private video: { file: string; bytes: number; format: VideoFormat; name: string | null } | undefined;
  private srt: { file: string; bytes: number } | undefined;
  private readonly incoming: string;
  private finished = false;

  constructor(private readonly service: FlightService) {
    this.incoming = join(service.uploadsRoot, '.incoming', this.id);
  }

  async addVideo(stream: Readable, fileName?: string): Promise<void> {
    if (this.video) throw new InvalidInputError('send one video per flight');
    await mkdir(this.incoming, { recursive: true });
    let format: VideoFormat | undefined;
    const limit = this.service.maxVideoBytes;
    const guard = new UploadGuard({
      maxBytes: limit,
      sniffBytes: VIDEO_SNIFF_BYTES,
      check: (head) => {
        const sniffed = sniffVideo(head);
        if (!sniffed.ok) throw new UnsupportedMediaError(`the video is refused: ${sniffed.reason}`);
        format = sniffed.format;
      },
      tooLarge: () => new PayloadTooLargeError(`a flight video has at most ${limit} bytes`),
    });
    // The extension is provisional until the head is read; the name is fixed at commit.
    const file = join(this.incoming, 'video.upload');
    await pipeline(stream, guard, createWriteStream(file, { flags: 'wx' }));
    if (!format) throw new UnsupportedMediaError('the video is empty');
    this.video = { file, bytes: guard.bytes, format, name: cleanFileName(fileName) };
  }

  async addSrt(stream: Readable): Promise<void> {
    if (this.srt) throw new InvalidInputError('send at most one telemetry file per flight');
    await mkdir(this.incoming, { recursive: true });
    let utf16 = false;
    const limit = this.service.maxSrtBytes;
    const guard = new UploadGuard({
      maxBytes: limit,
      sniffBytes: SRT_SNIFF_BYTES,
      check: (head) => {
        const sniffed = sniffTelemetrySrt(head);
        if (!sniffed.ok) throw new UnsupportedMediaError(`the telemetry file is refused: ${sniffed.reason}`);
        utf16 = isUtf16(head);
      },
      onChunk: (chunk) => {
        if (!utf16 && chunk.includes(0)) {
          throw new UnsupportedMediaError('the telemetry file is refused: it turns binary after its start');
        }
      },
      tooLarge: () => new PayloadTooLargeError(`a telemetry file has at most ${limit} bytes`),
    });
    const file = join(this.incoming, 'telemetry.srt');
    await pipeline(stream, guard, createWriteStream(file, { flags: 'wx' }));
    this.srt = { file, bytes: guard.bytes };
  }

  /** Records the flight and queues it; the upload's files move to their final folder first. */
  async commit(fields: {
    sourceId?: string | undefined;
    metadata?: Record<string, unknown> | undefined;
  }): Promise<Flight> {
    if (this.finished) throw new Error('upload already finished');
    if (!this.video) throw new InvalidInputError("a flight needs a video file in the 'video' part");
    const video = this.video;
    const finalDir = join(this.service.uploadsRoot, this.id);
    await rename(this.incoming, finalDir);
    this.finished = true;
    const videoName = `video.${video.format === 'matroska' ? 'mkv' : video.format}`;
    try {
      await rename(join(finalDir, 'video.upload'), join(finalDir, videoName));
      return await this.service.record({
        id: this.id,
        sourceId: fields.sourceId ?? null,
        videoPath: `uploads/${this.id}/${videoName}`,
        videoBytes: video.bytes,
        videoFormat: video.format,
        videoName: video.name,
        srtPath: this.srt ? `uploads/${this.id}/telemetry.srt` : null,
        srtBytes: this.srt?.bytes ?? null,
        metadata: fields.metadata ?? {},
      });
    } catch (err) {
      // Recorded and kept as 'queued' while Redis is down: its files must stay for the sweep.
      if (!(err instanceof FlightNotQueuedError)) await rm(finalDir, { recursive: true, force: true });
      throw err;
    }
  }

  /** Removes whatever this upload wrote; safe to call at any point, and more than once. */
  async abort(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    await rm(this.incoming, { recursive: true, force: true });
  }
}

export class FlightService {
  readonly uploadsRoot: string;
  readonly maxVideoBytes: number;
  readonly maxSrtBytes: number;
  private readonly queue: FlightQueue;

  constructor(
    private readonly db: Database,
    private readonly opts: FlightServiceOptions,
  ) {
    this.uploadsRoot = resolve(opts.dataDir, 'uploads');
    this.maxVideoBytes = opts.maxVideoBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
    this.maxSrtBytes = opts.maxSrtBytes ?? DEFAULT_MAX_SRT_BYTES;
    this.queue = opts.queue ?? new NoopFlightQueue();
  }

  beginUpload(): FlightUpload {
    return new FlightUpload(this);
  }

  /** @internal Used by FlightUpload.commit(). */
  async record(flight: Parameters<FlightRepository['insert']>[0]): Promise<Flight> {
    const created = await new FlightRepository(this.db).insert(flight);
    try {
      await this.queue.enqueue(created.id);
    } catch (err) {
      // Redis down: the flight stays 'queued' (a sweep enqueues it later) and the client hears 503.
      if (err instanceof QueueUnavailableError) throw new FlightNotQueuedError(created.id, err);
      // Any other refusal: the upload is kept and shows as failed; requeue() tries again.
      return this.markFailed(
        created.id,
        `could not be queued for analysis: ${errorMessage(err).slice(0, 200)}`,
      );
    }
    return view(created);
  }

  async get(id: string): Promise<Flight> {
    return view(await this.find(id));
  }

  async list(
    filters: { statuses?: FlightStatus[] | undefined; sourceId?: string | undefined },
    page: { cursor?: string | undefined; limit?: number | undefined } = {},
  ): Promise<Page<Flight>> {
    const limit = pageLimit(page.limit, 50, 200);
    const beforeSeq = page.cursor === undefined ? undefined : decodeSeqCursor(CURSOR_KIND, page.cursor);
    const rows = await new FlightRepository(this.db).list(filters, beforeSeq, limit + 1);
    const items = rows.slice(0, limit);
    const last = items.at(-1);
    return {
      items: items.map(view),
      nextCursor: rows.length > limit && last ? encodeCursor(CURSOR_KIND, last.seq) : null,
    };
  }

  /** Absolute paths of a flight's files, for the worker that analyses it. */
  async files(id: string): Promise<{ video: string; srt: string | null; format: string }> {
    const r = await this.find(id);
    return {
      video: join(this.opts.dataDir, r.videoPath),
      srt: r.srtPath === null ? null : join(this.opts.dataDir, r.srtPath),
      format: r.videoFormat,
    };
  }

  /** A worker took the flight (again, after a crash: processing may restart). */
  async markProcessing(id: string): Promise<Flight> {
    return this.change(id, ['queued', 'processing'], { status: 'processing', progress: 0, error: null });
  }

  async reportProgress(id: string, progress: number): Promise<Flight> {
    if (!Number.isFinite(progress)) throw new InvalidInputError('progress must be a number from 0 to 1');
    return this.change(id, ['processing'], { progress: Math.min(1, Math.max(0, progress)) });
  }

  async markDone(id: string): Promise<Flight> {
    return this.change(id, ['processing'], { status: 'done', progress: 1, error: null });
  }

  async markFailed(id: string, error: string): Promise<Flight> {
    return this.change(id, ['queued', 'processing'], { status: 'failed', error: error.slice(0, 1000) });
  }

  /** Puts a failed flight back in the queue. */
  async requeue(id: string): Promise<Flight> {
    const flight = await this.change(id, ['failed'], { status: 'queued', progress: 0, error: null });
    await this.queue.enqueue(id);
    return flight;
  }

  /**
   * Hands flights still 'queued' (oldest first) to the queue again: those refused while Redis was
   * down, or left by a crash between recording and enqueueing. Safe to repeat: a flight whose job
   * exists is not added twice (deterministic job ids). Returns how many were handed over.
   */
  async enqueueWaiting(limit = 200): Promise<number> {
    const page = await this.list({ statuses: ['queued'] }, { limit });
    const waiting = page.items.reverse();
    for (const f of waiting) await this.queue.enqueue(f.id);
    return waiting.length;
  }

  private async find(id: string): Promise<FlightRecord> {
    const found = UUID.test(id) ? await new FlightRepository(this.db).findById(id) : undefined;
    if (!found) throw new NotFoundError('flight', id);
    return found;
  }

  private async change(
    id: string,
    from: readonly FlightStatus[],
    change: Parameters<FlightRepository['change']>[2],
  ): Promise<Flight> {
    const current = await this.find(id);
    const changed = await new FlightRepository(this.db).change(id, from, change);
    if (!changed) {
      throw new DetailedError(
        `flight '${id}' is ${current.status}; this needs it to be ${from.join(' or ')}`,
        'INVALID_TRANSITION',
        { currentStatus: current.status },
      );
    }
    return view(changed);
  }
}
