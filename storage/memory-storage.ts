/**
 * Objects in a Map: for tests and for API instances built without a configured store. The same
 * key rules and range semantics as the real stores, so code tested against it behaves the same.
 */
import { Readable } from 'node:stream';
import type { ByteRange, ObjectInfo, ObjectRead, ObjectStorage, StoredObject } from './object-storage.js';
import { checkContentType, collectBody, resolveRange, sha256Hex } from './object-range.js';
import { ObjectNotFoundError } from './storage-errors.js';
import { checkKey } from './storage-keys.js';

interface Entry {
  data: Buffer;
  contentType: string;
  sha256: string;
}

export class MemoryObjectStorage implements ObjectStorage {
  private readonly objects = new Map<string, Entry>();

  constructor(private readonly maxObjectBytes = 256 * 1024 * 1024) {}

  get size(): number {
    return this.objects.size;
  }

  keys(): string[] {
    return [...this.objects.keys()].sort();
  }

  async put(key: string, body: Uint8Array | Readable, contentType: string): Promise<StoredObject> {
    checkKey(key);
    checkContentType(contentType);
    // A copy: the caller may reuse its buffer.
    const data = Buffer.from(await collectBody(body, this.maxObjectBytes));
    const sha256 = sha256Hex(data);
    this.objects.set(key, { data, contentType, sha256 });
    return { key, sha256, bytes: data.length };
  }

  async get(key: string, range?: ByteRange): Promise<ObjectRead> {
    checkKey(key);
    const entry = this.objects.get(key);
    if (!entry) throw new ObjectNotFoundError(key);
    const { start, end } = resolveRange(key, entry.data.length, range);
    return {
      key,
      bytes: entry.data.length,
      contentType: entry.contentType,
      sha256: entry.sha256,
      body: Readable.from(end < start ? [] : [entry.data.subarray(start, end + 1)]),
      start,
      end,
    };
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    checkKey(key);
    const entry = this.objects.get(key);
    return entry && { key, bytes: entry.data.length, contentType: entry.contentType, sha256: entry.sha256 };
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    this.objects.delete(key);
  }
}
