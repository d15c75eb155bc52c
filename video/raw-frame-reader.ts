/**
 * Cuts ffmpeg's rgb24 byte stream into frames using the per-frame sizes and timestamps that the
 * repository reads from stderr. Reading is pull-driven: while the consumer holds a frame no
 * more bytes are read, so the pipe fills and ffmpeg blocks instead of memory growing.
 */
import { MediaError } from '../common/errors.js';
import { redactInput, type RawVideoStream } from '../repositories/ffmpeg-repository.js';

export interface RawFrame {
  data: Uint8Array;
  width: number;
  height: number;
  ptsUs: number | null;
}

export interface ReadRawFramesResult {
  /** Set once the generator has finished normally: ffmpeg's recovered errors, if any. */
  warnings: string[];
}

export async function* readRawFrames(
  stream: RawVideoStream,
  input: string,
  result: ReadRawFramesResult = { warnings: [] },
): AsyncGenerator<RawFrame, void, undefined> {
  let frame: RawFrame | undefined;
  let filled = 0;
  try {
    for await (const chunk of stream.bytes as AsyncIterable<Buffer>) {
      let offset = 0;
      while (offset < chunk.length) {
        if (!frame) {
          const info = await stream.nextFrameInfo();
          if (!info) {
            throw new MediaError(
              `cannot read ${redactInput(input)}: ffmpeg wrote pixels without frame information`,
            );
          }
          frame = {
            data: new Uint8Array(info.width * info.height * 3),
            width: info.width,
            height: info.height,
            ptsUs: info.ptsUs,
          };
          filled = 0;
        }
        const n = Math.min(frame.data.length - filled, chunk.length - offset);
        frame.data.set(chunk.subarray(offset, offset + n), filled);
        filled += n;
        offset += n;
        if (filled === frame.data.length) {
          const done = frame;
          frame = undefined;
          yield done;
        }
      }
    }
    const exit = await stream.exited;
    if (exit.killed) return;
    if (!exit.ok) throw exit.error ?? new MediaError(`cannot read ${redactInput(input)}: ffmpeg failed`);
    if (frame) {
      throw new MediaError(
        `cannot read ${redactInput(input)}: the last frame was cut short (${filled} of ${frame.data.length} bytes)`,
      );
    }
    result.warnings.push(...exit.warnings);
  } finally {
    stream.kill();
  }
}
