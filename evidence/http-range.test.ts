import { describe, expect, it } from 'vitest';
import { decideRange, notModified, rangeStillApplies } from './http-range.js';

describe('decideRange', () => {
  it.each([
    [undefined, 1000, { kind: 'full' }],
    ['bytes=0-99', 1000, { kind: 'partial', start: 0, end: 99 }],
    ['bytes=500-', 1000, { kind: 'partial', start: 500, end: 999 }],
    ['bytes=-100', 1000, { kind: 'partial', start: 900, end: 999 }],
    ['bytes=-5000', 1000, { kind: 'partial', start: 0, end: 999 }],
    ['bytes=990-5000', 1000, { kind: 'partial', start: 990, end: 999 }],
    ['bytes=999-999', 1000, { kind: 'partial', start: 999, end: 999 }],
    ['BYTES = 1 - 2', 1000, { kind: 'partial', start: 1, end: 2 }],
    ['bytes=1000-', 1000, { kind: 'unsatisfiable' }],
    ['bytes=1000-1001', 1000, { kind: 'unsatisfiable' }],
    ['bytes=99999999999999999999999-', 1000, { kind: 'unsatisfiable' }],
    ['bytes=-0', 1000, { kind: 'unsatisfiable' }],
    ['bytes=0-', 0, { kind: 'unsatisfiable' }],
    ['bytes=-10', 0, { kind: 'unsatisfiable' }],
    // Ignored: not understood, or several ranges.
    ['bytes=5-1', 1000, { kind: 'full' }],
    ['bytes=-', 1000, { kind: 'full' }],
    ['bytes=a-b', 1000, { kind: 'full' }],
    ['bytes=0-1,5-6', 1000, { kind: 'full' }],
    ['items=0-1', 1000, { kind: 'full' }],
    ['bytes=1.5-2', 1000, { kind: 'full' }],
    ['', 1000, { kind: 'full' }],
  ])('%j of %i bytes', (header, size, expected) => {
    expect(decideRange(header, size)).toEqual(expected);
  });
});

describe('conditional requests', () => {
  const etag = '"abc"';
  it('If-None-Match compares weakly and accepts lists and *', () => {
    expect(notModified(undefined, etag)).toBe(false);
    expect(notModified('"abc"', etag)).toBe(true);
    expect(notModified('W/"abc"', etag)).toBe(true);
    expect(notModified('"x", "abc"', etag)).toBe(true);
    expect(notModified('*', etag)).toBe(true);
    expect(notModified('"abd"', etag)).toBe(false);
  });
  it('If-Range needs the exact current tag', () => {
    expect(rangeStillApplies(undefined, etag)).toBe(true);
    expect(rangeStillApplies('"abc"', etag)).toBe(true);
    expect(rangeStillApplies('"old"', etag)).toBe(false);
    expect(rangeStillApplies('Wed, 21 Oct 2015 07:28:00 GMT', etag)).toBe(false);
  });
});
