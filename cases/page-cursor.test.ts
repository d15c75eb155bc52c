import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../common/errors.js';
import { InvalidCursorError } from './case-errors.js';
import { decodeKeyCursor, decodeSeqCursor, encodeCursor, pageLimit } from './page-cursor.js';

const forge = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('page cursors', () => {
  it('round-trips positions and stays URL-safe', () => {
    const c = encodeCursor('cases', 123456);
    expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeSeqCursor('cases', c)).toBe(123456);
    expect(decodeKeyCursor('sources', encodeCursor('sources', 'cam-1'))).toBe('cam-1');
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'a+b/c='],
    ['not JSON', Buffer.from('nope').toString('base64url')],
    ['another listing', forge(['sources', 5])],
    ['a negative position', forge(['cases', -1])],
    ['a fractional position', forge(['cases', 1.5])],
    ['a huge position', forge(['cases', 1e300])],
    ['a string position', forge(['cases', '5'])],
    ['an object', forge({ kind: 'cases', s: 5 })],
    ['too long', 'A'.repeat(500)],
  ])('refuses %s', (_what, cursor) => {
    expect(() => decodeSeqCursor('cases', cursor)).toThrow(InvalidCursorError);
  });

  it('checks page sizes', () => {
    expect(pageLimit(undefined, 50, 200)).toBe(50);
    expect(pageLimit(200, 50, 200)).toBe(200);
    for (const bad of [0, 201, 1.5, Infinity, NaN])
      expect(() => pageLimit(bad, 50, 200)).toThrow(InvalidInputError);
  });
});
