/**
 * Where evidence files live. Services see only this interface, so a local folder (the default)
 * and an S3-compatible bucket are interchangeable. Keys are `/`-separated names checked by
 * storage-keys.ts; every implementation refuses the same keys.
 */
import type { Readable } from 'node:stream';

/** What a successful put wrote: the normalised key, the SHA-256 (hex) and size of the bytes. */
export interface StoredObject {
  key: string;
  sha256: string;
  bytes: number;
}

/** Inclusive byte offsets, as in an HTTP Range header; `end` omitted means to the last byte. */
export interface ByteRange {
  start: number;
  end?: number;
}

export interface ObjectInfo {
  key: string;
  bytes: number;
  contentType: string;
  /** Known when the object was written through this interface. */
  sha256: string | undefined;
}

export interface ObjectRead extends ObjectInfo {
  body: Readable;
  /** Offsets actually served, inclusive; the whole object when no range was asked for. */
  start: number;
  end: number;
}

export interface ObjectStorage {
  /** Writes the whole object or nothing: a reader never sees half a file, a retry overwrites. */
  put(key: string, body: Uint8Array | Readable, contentType: string): Promise<StoredObject>;
  /** ObjectNotFoundError when absent; RangeNotSatisfiableError when `range.start` is past the end. */
  get(key: string, range?: ByteRange): Promise<ObjectRead>;
  /** undefined when absent. */
  stat(key: string): Promise<ObjectInfo | undefined>;
  /** Deleting an absent object is not an error. */
  delete(key: string): Promise<void>;
}
