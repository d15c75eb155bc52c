/** Errors from object storage. NOT_FOUND maps to 404 in the API; STORAGE_FAILED is our fault (500). */
import { GridwatchError } from '../common/errors.js';

export class ObjectNotFoundError extends GridwatchError {
  constructor(key: string) {
    super(`stored object '${key}' not found`, 'NOT_FOUND');
  }
}

/** The requested range starts at or beyond the end of the object. */
export class RangeNotSatisfiableError extends GridwatchError {
  constructor(
    key: string,
    readonly size: number,
  ) {
    super(`range not satisfiable for '${key}' (${size} bytes)`, 'RANGE_NOT_SATISFIABLE');
  }
}

/** The backend failed (disk, network, bucket permissions): not something the caller did. */
export class StorageError extends GridwatchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'STORAGE_FAILED', options);
  }
}
