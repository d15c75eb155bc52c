/** Range checks and body helpers shared by the storage implementations. */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { InvalidInputError } from '../common/errors.js';
import type { ByteRange } from './object-storage.js';
import { RangeNotSatisfiableError } from './storage-errors.js';

/** Inclusive offsets to serve from an object of `size` bytes; end -1 for an empty object. */
export function resolveRange(key: string, size: number, range?: ByteRange): { start: number; end: number } {
  if (!range) return { start: 0, end: size - 1 };
  const { start, end } = range;
  if (
    !Number.isSafeInteger(start) ||
    start < 0 ||
    (end !== undefined && (!Number.isSafeInteger(end) || end < start))
  ) {
    throw new InvalidInputError(`invalid byte range ${start}-${end ?? ''}`);
  }
  if (start >= size) throw new RangeNotSatisfiableError(key, size);
  return { start, end: Math.min(end ?? size - 1, size - 1) };
}

/** Content types go into response headers: one line of printable ASCII, or refused. */
export function checkContentType(contentType: string): string {
  if (typeof contentType !== 'string' || !/^[\x21-\x7e][\x20-\x7e]{0,199}$/.test(contentType)) {
    throw new InvalidInputError('content type must be 1 to 200 printable ASCII characters');
  }
  return contentType;
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Reads a body into one buffer (evidence files are small: frames and short clips). */
export async function collectBody(body: Uint8Array | Readable, maxBytes: number): Promise<Buffer> {
  if (body instanceof Uint8Array) {
    if (body.byteLength > maxBytes) throw new InvalidInputError(`object is larger than ${maxBytes} bytes`);
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body as AsyncIterable<Buffer | string>) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    total += buf.length;
    if (total > maxBytes) {
      body.destroy();
      throw new InvalidInputError(`object is larger than ${maxBytes} bytes`);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}
