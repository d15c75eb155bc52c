import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../common/errors.js';
import { checkKey, keySegments } from './storage-keys.js';

describe('storage keys', () => {
  it('accepts the names the evidence service builds', () => {
    expect(keySegments('cases/0b7e0c1a-2f9e-4d7a-9a51-0c7f3c1f1e11/clip-0123456789abcdef.mp4')).toEqual([
      'cases',
      '0b7e0c1a-2f9e-4d7a-9a51-0c7f3c1f1e11',
      'clip-0123456789abcdef.mp4',
    ]);
    expect(checkKey('a')).toBe('a');
  });

  it.each([
    '',
    '..',
    '.',
    '../etc/passwd',
    'cases/../../etc/passwd',
    'cases/..',
    '/etc/passwd',
    'cases//x.jpg',
    'cases/x.jpg/',
    'cases\\..\\x',
    'C:\\Windows',
    '%2e%2e/x',
    'cases/.hidden',
    'cases/.tmp/x',
    'a\u0000b',
    'a b',
    'café',
    'x'.repeat(600),
    Array.from({ length: 20 }, () => 'a').join('/'),
  ])('refuses %j', (key) => {
    expect(() => checkKey(key)).toThrow(InvalidInputError);
  });
});
