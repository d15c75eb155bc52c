/**
 * Where the evidence service gets pixels and footage: a video file (seeked with ffmpeg) or a
 * live camera's ring buffer of recent JPEG frames. The service does not know which.
 */
import { InvalidInputError, MediaError } from '../common/errors.js';
import {
  cutVideoClip,
  encodeJpegClip,
  grabVideoFrame,
  silentLogger,
  type MediaLogger,
  type VideoClip,
} from '../repositories/ffmpeg-repository.js';
import { decodeImage, type RawImage } from '../repositories/media-repository.js';
import type { FrameRingBuffer } from './frame-ring-buffer.js';

export type { VideoClip } from '../repositories/ffmpeg-repository.js';

export interface ProvidedFrame {
  image: RawImage;
  /** The timestamp of the frame actually found (may differ slightly from the one asked for). */
  ptsS: number;
}

export interface FrameProvider {
  /** The frame on screen at ptsS; MediaError when there is no such frame. */
  frameAt(ptsS: number): Promise<ProvidedFrame>;
  /** An MP4 covering about [startS, endS]; undefined when there is no footage for it. */
  clip(startS: number, endS: number): Promise<VideoClip | undefined>;
}

/** Frames and clips from a video file; the clip is stream-copied from a key frame when the codec allows. */
export class VideoFileFrameProvider implements FrameProvider {
  constructor(
    readonly path: string,
    private readonly opts: { streamIndex?: number; logger?: MediaLogger } = {},
  ) {}

  async frameAt(ptsS: number): Promise<ProvidedFrame> {
    const f = await grabVideoFrame(this.path, ptsS, this.opts);
    return { image: { data: f.data, width: f.width, height: f.height }, ptsS: f.ptsS };
  }

  async clip(startS: number, endS: number): Promise<VideoClip | undefined> {
    return cutVideoClip({ input: this.path, startS: Math.max(0, startS), endS, ...this.opts });
  }
}

/** Frames and clips from a live camera's recent frames; a clip re-encodes the buffered JPEGs. */
export class RingBufferFrameProvider implements FrameProvider {
  constructor(
    private readonly ring: FrameRingBuffer,
    private readonly opts: { maxGapS?: number; logger?: MediaLogger } = {},
  ) {}

  async frameAt(ptsS: number): Promise<ProvidedFrame> {
    const maxGapS = this.opts.maxGapS ?? 1;
    const f = this.ring.frameAt(ptsS, maxGapS);
    if (!f) {
      throw new MediaError(
        `no buffered frame within ${maxGapS} s of ${ptsS.toFixed(3)} s (it may have aged out)`,
      );
    }
    return { image: await decodeImage(f.jpeg, `buffered frame at ${f.ptsS.toFixed(3)} s`), ptsS: f.ptsS };
  }

  async clip(startS: number, endS: number): Promise<VideoClip | undefined> {
    if (!(endS > startS)) throw new InvalidInputError(`a clip needs start < end, got ${startS}–${endS}`);
    const frames = this.ring.between(startS, endS);
    if (frames.length < 2) return undefined;
    return encodeJpegClip(frames, { logger: this.opts.logger ?? silentLogger });
  }
}
