import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { errorMessage, MediaError } from '../../common/errors.js';
import { parseDjiSrt } from './dji-srt-parser.js';
import type { TelemetryTrack } from './telemetry-types.js';

/** Subtitle tracks exported by some tools are UTF-16; DJI itself writes UTF-8, sometimes with a BOM. */
export function decodeSrtBytes(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes);
  return new TextDecoder('utf-8').decode(bytes);
}

/** Reads and parses a DJI .SRT file: MediaError when unreadable, InvalidInputError when it is no SRT. */
export async function readDjiSrtFile(path: string): Promise<TelemetryTrack> {
  const source = basename(path);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new MediaError(`${source}: cannot read telemetry file: ${errorMessage(err)}`, { cause: err });
  }
  return parseDjiSrt(decodeSrtBytes(bytes), { source });
}
