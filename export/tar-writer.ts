/**
 * A POSIX ustar archive written as a stream: a 512-byte header per file, its bytes padded to 512,
 * two zero blocks at the end. Enough for datasets of regular files; no package needed, and every
 * tar (GNU, BSD, Python's tarfile, 7-Zip) reads it.
 */
import type { Readable } from 'node:stream';

const BLOCK = 512;

export interface TarEntry {
  /** `/`-separated path inside the archive, at most 255 bytes (split into ustar prefix and name). */
  name: string;
  /** Bytes, or a stream of exactly `size` bytes. */
  body: Buffer | Readable;
  size?: number;
  /** Seconds since the epoch. */
  mtime?: number;
  mode?: number;
}

function octal(value: number, width: number): string {
  // width - 1 digits and a NUL, as ustar writes numeric fields.
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

/** Splits a long path at a `/` so that prefix ≤ 155 and name ≤ 100 bytes. */
function splitName(path: string): { prefix: string; name: string } {
  if (Buffer.byteLength(path) <= 100) return { prefix: '', name: path };
  for (let i = path.length - 1; i > 0; i--) {
    if (path[i] !== '/') continue;
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name.length > 0) {
      return { prefix, name };
    }
  }
  throw new Error(`tar entry name is too long: ${path.slice(0, 80)}…`);
}

export function tarHeader(entry: { name: string; size: number; mtime: number; mode: number }): Buffer {
  if (!/^[^\0]+$/.test(entry.name) || entry.name.startsWith('/') || entry.name.split('/').includes('..')) {
    throw new Error(`unsafe tar entry name '${entry.name.slice(0, 80)}'`);
  }
  const { prefix, name } = splitName(entry.name);
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(entry.mode, 8), 100, 8, 'ascii');
  h.write(octal(0, 8), 108, 8, 'ascii'); // uid
  h.write(octal(0, 8), 116, 8, 'ascii'); // gid
  h.write(octal(entry.size, 12), 124, 12, 'ascii');
  h.write(octal(Math.max(0, Math.floor(entry.mtime)), 12), 136, 12, 'ascii');
  h.write('        ', 148, 8, 'ascii'); // checksum counts as spaces while it is computed
  h.write('0', 156, 1, 'ascii'); // regular file
  h.write('ustar\u000000', 257, 8, 'ascii');
  h.write('gridwatch', 265, 32, 'ascii');
  h.write('gridwatch', 297, 32, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return h;
}

function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return Buffer.alloc(rest === 0 ? 0 : BLOCK - rest);
}

/** The archive's bytes, entry after entry; a stream that is shorter or longer than declared throws. */
export async function* tarStream(
  entries: AsyncIterable<TarEntry> | Iterable<TarEntry>,
): AsyncGenerator<Buffer> {
  for await (const entry of entries) {
    const size = Buffer.isBuffer(entry.body) ? entry.body.length : entry.size;
    if (size === undefined || !Number.isSafeInteger(size) || size < 0) {
      throw new Error(`tar entry '${entry.name}' needs its size`);
    }
    yield tarHeader({
      name: entry.name,
      size,
      mtime: entry.mtime ?? Date.now() / 1000,
      mode: entry.mode ?? 0o644,
    });
    if (Buffer.isBuffer(entry.body)) {
      yield entry.body;
    } else {
      let seen = 0;
      for await (const chunk of entry.body as AsyncIterable<Buffer>) {
        seen += chunk.length;
        if (seen > size)
          throw new Error(`tar entry '${entry.name}' is longer than its declared ${size} bytes`);
        yield chunk;
      }
      if (seen !== size) throw new Error(`tar entry '${entry.name}' has ${seen} bytes, not ${size}`);
    }
    yield padding(size);
  }
  yield Buffer.alloc(BLOCK * 2);
}
