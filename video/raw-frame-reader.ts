/**
 * Frames of a raw ffmpeg stream as an async generator that stops ffmpeg however iteration ends,
 * and turns ffmpeg's failure into the error the consumer sees. Pull-driven: while the consumer
 * holds a frame, the stream stops reading and ffmpeg blocks instead of memory growing.
 */
import { MediaError } from '../common/errors.js';
import { redactInput, type RawFrame, type RawVideoStream } from '../repositories/ffmpeg-repository.js';

export interface ReadRawFramesResult {
  /** Set once the generator has finished normally: ffmpeg's recovered errors, if any. */
  warnings: string[];
}

export async function* readRawFrames(
  stream: RawVideoStream,
  input: string,
  result: ReadRawFramesResult = { warnings: [] },
): AsyncGenerator<RawFrame, void, undefined> {
  try {
    for (let frame: RawFrame | null; (frame = await stream.nextFrame());) yield frame;
    const exit = await stream.exited;
    if (exit.killed) return;
    if (!exit.ok) throw exit.error ?? new MediaError(`cannot read ${redactInput(input)}: ffmpeg failed`);
    result.warnings.push(...exit.warnings);
  } finally {
    stream.kill();
  }
}
