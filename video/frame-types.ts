import type { RawImage } from '../repositories/media-repository.js';

export interface VideoFrame {
  image: RawImage;
  /** Presentation time in seconds from the start of the media (live sources: see their docs). */
  ptsS: number;
  /** Position of the frame in what this source delivered, from 0. */
  index: number;
}

/** An async sequence of frames that can be stopped early; iterate it once. */
export interface FrameSource<F extends VideoFrame = VideoFrame> extends AsyncIterable<F> {
  /** Stops decoding and ends the iteration; safe to call more than once. */
  close(): Promise<void>;
  /**
   * The consumer is done with a frame and nothing holds its pixels: the source may decode a later
   * frame into the same memory. Sources without buffer reuse leave it out.
   */
  recycle?(frame: F): void;
}
