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
}
