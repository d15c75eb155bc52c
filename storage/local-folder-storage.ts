/**
 * Objects as files under one root folder (by default GRIDWATCH_DATA_DIR/evidence). A put writes
 * to a temp file in `<root>/.tmp`, syncs it and renames it into place, so readers see the old
 * file or the new one, never half of either. Content type and hash sit beside the data in
 * `<root>/.meta/<key>.json`. Keys cannot start a segment with a dot, so neither folder is reachable
 * through a key, and every path is checked to stay inside the root.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { errorMessage } from '../common/errors.js';
import type { ByteRange, ObjectInfo, ObjectRead, ObjectStorage, StoredObject } from './object-storage.js';
import { checkContentType, resolveRange } from './object-range.js';
import { ObjectNotFoundError, StorageError } from './storage-errors.js';
import { keySegments } from './storage-keys.js';

interface ObjectMeta {
  contentType: string;
  sha256: string;
  bytes: number;
}

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

function isErrno(err: unknown, ...codes: string[]): boolean {
  return typeof err === 'object' && err !== null && codes.includes((err as NodeJS.ErrnoException).code ?? '');
}

export class LocalFolderStorage implements ObjectStorage {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /** The file a key maps to; throws for any key that is not a safe name or would leave the root. */
  pathOf(key: string): string {
    const path = resolve(this.root, ...keySegments(key));
    if (!path.startsWith(this.root + sep)) throw new StorageError(`key '${key}' resolves outside the store`);
    return path;
  }

  private metaPathOf(key: string): string {
    return `${join(this.root, '.meta', ...keySegments(key))}.json`;
  }

  /** Writes bytes to a fresh temp file and renames it over `target`; returns hash and size. */
  private async writeAtomically(
    target: string,
    body: Uint8Array | Readable,
  ): Promise<{ sha256: string; bytes: number }> {
    const tmpDir = join(this.root, '.tmp');
    await mkdir(tmpDir, { recursive: true });
    const tmp = join(tmpDir, randomUUID());
    const hash = createHash('sha256');
    let bytes = 0;
    try {
      const handle = await open(tmp, 'wx', 0o644);
      try {
        const write = async (chunk: Uint8Array): Promise<void> => {
          hash.update(chunk);
          bytes += chunk.byteLength;
          let off = 0;
          while (off < chunk.byteLength) {
            const { bytesWritten } = await handle.write(chunk, off, chunk.byteLength - off);
            off += bytesWritten;
          }
        };
        if (body instanceof Uint8Array) await write(body);
        else
          for await (const chunk of body as AsyncIterable<Buffer | string>) {
            await write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
          }
        // Data on disk before the rename publishes it, so a crash cannot leave a short file in place.
        await handle.sync();
      } finally {
        await handle.close();
      }
      await mkdir(dirname(target), { recursive: true });
      await rename(tmp, target);
      return { sha256: hash.digest('hex'), bytes };
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => {});
      throw err;
    }
  }

  async put(key: string, body: Uint8Array | Readable, contentType: string): Promise<StoredObject> {
    const target = this.pathOf(key);
    checkContentType(contentType);
    try {
      const { sha256, bytes } = await this.writeAtomically(target, body);
      const meta: ObjectMeta = { contentType, sha256, bytes };
      await this.writeAtomically(this.metaPathOf(key), Buffer.from(JSON.stringify(meta)));
      return { key, sha256, bytes };
    } catch (err) {
      // File-system failures are ours; anything else (the caller's body stream failing) passes on.
      if (typeof err === 'object' && err !== null && 'syscall' in err) {
        throw new StorageError(`cannot store '${key}': ${errorMessage(err)}`, { cause: err });
      }
      throw err;
    }
  }

  private async readMeta(key: string, size: number): Promise<ObjectMeta | undefined> {
    try {
      const meta = JSON.parse(await readFile(this.metaPathOf(key), 'utf8')) as ObjectMeta;
      // A meta file from an earlier version of the object (crash between the two renames) is ignored.
      return meta.bytes === size ? meta : undefined;
    } catch {
      return undefined;
    }
  }

  async get(key: string, range?: ByteRange): Promise<ObjectRead> {
    const path = this.pathOf(key);
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR', 'EISDIR')) throw new ObjectNotFoundError(key);
      throw new StorageError(`cannot read '${key}': ${errorMessage(err)}`, { cause: err });
    }
    try {
      const st = await handle.stat();
      if (!st.isFile()) throw new ObjectNotFoundError(key);
      const { start, end } = resolveRange(key, st.size, range);
      const meta = await this.readMeta(key, st.size);
      const body =
        end < start
          ? Readable.from([])
          : handle.createReadStream({ start, end, autoClose: true, highWaterMark: 256 * 1024 });
      if (end < start) await handle.close();
      return {
        key,
        bytes: st.size,
        contentType: meta?.contentType ?? DEFAULT_CONTENT_TYPE,
        sha256: meta?.sha256,
        body,
        start,
        end,
      };
    } catch (err) {
      await handle.close().catch(() => {});
      throw err;
    }
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    const path = this.pathOf(key);
    let size: number;
    try {
      const handle = await open(path, 'r');
      try {
        const st = await handle.stat();
        if (!st.isFile()) return undefined;
        size = st.size;
      } finally {
        await handle.close();
      }
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR', 'EISDIR')) return undefined;
      throw new StorageError(`cannot stat '${key}': ${errorMessage(err)}`, { cause: err });
    }
    const meta = await this.readMeta(key, size);
    return { key, bytes: size, contentType: meta?.contentType ?? DEFAULT_CONTENT_TYPE, sha256: meta?.sha256 };
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    try {
      await rm(path, { force: true });
      await rm(this.metaPathOf(key), { force: true });
    } catch (err) {
      throw new StorageError(`cannot delete '${key}': ${errorMessage(err)}`, { cause: err });
    }
  }
}
