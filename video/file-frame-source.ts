/**
 * Frames of a video file (MP4, MOV, MKV; H.264, H.265 and whatever else ffmpeg decodes) as raw
 * RGB with exact presentation times, optionally resampled to a fixed rate and scaled inside
 * ffmpeg, and optionally limited to a window so that segments of one file decode in parallel.
 */
import { availableParallelism } from 'node:os';
import { InvalidInputError } from '../common/errors.js';
import { openRawVideoStream, silentLogger, type MediaLogger } from '../repositories/ffmpeg-repository.js';
import { ffmpegThreadsFor } from './ffmpeg-threads.js';
import type { FrameSource, VideoFrame } from './frame-types.js';
import { probeVideo, type MediaInfo } from './probe.js';
import { readRawFrames } from './raw-frame-reader.js';
import { segmentWindow, splitIntoSegments, type Segment } from './segments.js';

export interface FileFrameSourceOptions {
  /** Frames per second on the grid k/fps from the media start; omitted: every decoded frame. */
  fps?: number;
  /** Output size; give one side to keep the aspect ratio. */
  width?: number;
  height?: number;
  /** Seconds from the media start: frames with startS ≤ pts. */
  startS?: number;
  /** Frames with pts < startS + durationS; omitted: to the end. */
  durationS?: number;
  /** A probe of the same file, to skip probing again (segments of one file share one). */
  info?: MediaInfo;
  /** ffmpeg's decoder and filter threads; omitted: ffmpegThreadsFor the file's frame size and this machine's cores. */
  threads?: number;
  logger?: MediaLogger;
}

export class FileFrameSource implements FrameSource {
  /** ffmpeg errors it recovered from (a truncated tail, say); filled once iteration has finished. */
  readonly warnings: string[] = [];
  private stream: ReturnType<typeof openRawVideoStream> | undefined;
  private iterated = false;
  private closed = false;

  private constructor(
    readonly path: string,
    readonly info: MediaInfo,
    private readonly opts: FileFrameSourceOptions,
  ) {}

  /** Probes (unless `info` is given) and validates; decoding starts when iteration does. */
  static async open(path: string, opts: FileFrameSourceOptions = {}): Promise<FileFrameSource> {
    const info = opts.info ?? (await probeVideo(path, { logger: opts.logger }));
    return new FileFrameSource(path, info, opts);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<VideoFrame, void, undefined> {
    if (this.iterated) throw new InvalidInputError(`frame source for ${this.path} can be iterated only once`);
    this.iterated = true;
    if (this.closed) return;
    const o = this.opts;
    this.stream = openRawVideoStream({
      input: this.path,
      streamIndex: this.info.video.index,
      fps: o.fps,
      width: o.width,
      height: o.height,
      startS: o.startS,
      durationS: o.durationS,
      threads: this.threads,
      logger: o.logger ?? silentLogger,
    });
    const fallbackStep = 1 / (o.fps ?? this.info.video.frameRate ?? 30);
    let index = 0;
    let lastPts = (o.startS ?? 0) - fallbackStep;
    for await (const raw of readRawFrames(this.stream, this.path, { warnings: this.warnings })) {
      // A frame without a timestamp (rare: raw elementary streams) is placed one step after the last.
      const ptsS = raw.ptsUs === null ? lastPts + fallbackStep : raw.ptsUs / 1e6;
      lastPts = ptsS;
      yield { image: { data: raw.data, width: raw.width, height: raw.height }, ptsS, index: index++ };
    }
    for (const w of this.warnings) (o.logger ?? silentLogger).warn(`${this.path}: ${w}`);
  }

  /** ffmpeg's decoder and filter threads: the option, or the default for this file on this machine. */
  get threads(): number {
    return this.opts.threads ?? ffmpegThreadsFor(this.info.video, availableParallelism());
  }

  /** The consumer is done with this frame: its pixels may be overwritten by a later frame. */
  recycle(frame: VideoFrame): void {
    this.stream?.recycle(frame.image.data);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (!this.stream) return;
    this.stream.kill();
    await this.stream.exited;
  }
}

/** Convenience: a source per segment of the file, sharing one probe; decode them concurrently. */
export async function openSegmentSources(
  path: string,
  count: number,
  opts: Omit<FileFrameSourceOptions, 'startS' | 'durationS'> = {},
): Promise<{ segments: Segment[]; sources: FileFrameSource[] }> {
  const info = opts.info ?? (await probeVideo(path, { logger: opts.logger }));
  if (info.durationS === null) {
    throw new InvalidInputError(`cannot split ${path} into segments: its duration is unknown`);
  }
  const segments = splitIntoSegments(info.durationS, count);
  const sources = await Promise.all(
    segments.map((s) => FileFrameSource.open(path, { ...opts, ...segmentWindow(s), info })),
  );
  return { segments, sources };
}
