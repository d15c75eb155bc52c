/**
 * Splits a video's duration into segments that decode in parallel. A segment owns the frames
 * with start ≤ pts < end; the last one also owns its end and anything after it (the container
 * duration can end before the last frame's pts). Boundaries are whole microseconds so that the
 * end of one segment and the start of the next are the same number wherever they are compared.
 */
import { InvalidInputError } from '../common/errors.js';

export interface Segment {
  index: number;
  startS: number;
  /** Exclusive, except for the last segment, which is open-ended. */
  endS: number;
  isLast: boolean;
}

export function splitIntoSegments(durationS: number, count: number): Segment[] {
  if (!Number.isFinite(durationS) || durationS <= 0) {
    throw new InvalidInputError(`duration must be a positive number of seconds, got ${durationS}`);
  }
  if (!Number.isInteger(count) || count < 1) {
    throw new InvalidInputError(`segment count must be a positive integer, got ${count}`);
  }
  const totalUs = Math.round(durationS * 1e6);
  const n = Math.max(1, Math.min(count, totalUs));
  const bounds = Array.from({ length: n + 1 }, (_, i) => Math.round((i * totalUs) / n));
  return bounds.slice(0, n).map((startUs, i) => ({
    index: i,
    startS: startUs / 1e6,
    endS: bounds[i + 1]! / 1e6,
    isLast: i === n - 1,
  }));
}

/** The frame-source window for a segment: the last one runs to the end of the video. */
export function segmentWindow(segment: Segment): { startS: number; durationS?: number } {
  if (segment.isLast) return { startS: segment.startS };
  return {
    startS: segment.startS,
    durationS: (Math.round(segment.endS * 1e6) - Math.round(segment.startS * 1e6)) / 1e6,
  };
}

export function segmentOwns(segment: Segment, ptsS: number): boolean {
  const us = Math.round(ptsS * 1e6);
  if (us < Math.round(segment.startS * 1e6)) return false;
  return segment.isLast || us < Math.round(segment.endS * 1e6);
}
