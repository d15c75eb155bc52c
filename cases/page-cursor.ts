/**
 * Opaque page cursors: base64url of a small JSON tuple [kind, position]. Clients must not build
 * them, so the position (a sequence number, a key) can change meaning without breaking anyone;
 * the kind stops a cursor from one listing being replayed against another.
 */
import { InvalidInputError } from '../common/errors.js';
import { InvalidCursorError } from './case-errors.js';

const MAX_CURSOR_LENGTH = 200;

export function encodeCursor(kind: string, position: number | string): string {
  return Buffer.from(JSON.stringify([kind, position]), 'utf8').toString('base64url');
}

function decode(kind: string, cursor: string): unknown {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw new InvalidCursorError();
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || parsed[0] !== kind) throw new InvalidCursorError();
  return parsed[1];
}

/** A positive sequence number from a cursor of this kind. */
export function decodeSeqCursor(kind: string, cursor: string): number {
  const position = decode(kind, cursor);
  if (typeof position !== 'number' || !Number.isSafeInteger(position) || position < 1) {
    throw new InvalidCursorError();
  }
  return position;
}

/** A key (string) from a cursor of this kind. */
export function decodeKeyCursor(kind: string, cursor: string): string {
  const position = decode(kind, cursor);
  if (typeof position !== 'string' || position.length === 0 || position.length > 128) {
    throw new InvalidCursorError();
  }
  return position;
}

/**
 * The page size, checked again below the HTTP schema: query-string coercion can turn "1e400" into
 * Infinity, which must become a 400 and not reach SQL.
 */
export function pageLimit(limit: number | undefined, fallback: number, max: number): number {
  const value = limit ?? fallback;
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new InvalidInputError(`limit must be an integer from 1 to ${max}`);
  }
  return value;
}
