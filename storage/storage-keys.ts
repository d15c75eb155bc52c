/**
 * Object keys are built by our own code, but they end up as file paths, so they are checked as if
 * hostile: each `/`-separated segment starts with a letter or digit and holds only letters,
 * digits, `.`, `_` and `-`. That rules out `..`, absolute paths, backslashes, NUL, percent
 * escapes and hidden names (the local store keeps its temp and metadata files under dot-names,
 * which no key can therefore reach).
 */
import { InvalidInputError } from '../common/errors.js';

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const MAX_KEY_LENGTH = 512;
const MAX_SEGMENTS = 16;

function shown(key: string): string {
  const printable = key.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 80 ? `${printable.slice(0, 80)}…` : printable;
}

/** The key's segments; InvalidInputError naming the problem when the key is not a safe name. */
export function keySegments(key: string): string[] {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidInputError('storage key is empty');
  if (key.length > MAX_KEY_LENGTH) {
    throw new InvalidInputError(`storage key is longer than ${MAX_KEY_LENGTH} characters`);
  }
  const segments = key.split('/');
  if (segments.length > MAX_SEGMENTS) {
    throw new InvalidInputError(`storage key '${shown(key)}' has more than ${MAX_SEGMENTS} segments`);
  }
  for (const s of segments) {
    if (!SEGMENT.test(s)) {
      throw new InvalidInputError(
        `storage key '${shown(key)}' is not a safe name: segments must start with a letter or digit ` +
          'and contain only letters, digits, ".", "_" and "-"',
      );
    }
  }
  return segments;
}

/** Returns the key unchanged when it is safe, so call sites read `checkKey(key)`. */
export function checkKey(key: string): string {
  keySegments(key);
  return key;
}
