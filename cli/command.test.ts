import { describe, expect, it } from 'vitest';
import { portOption, positiveOption, UsageError } from './command.js';

describe('CLI option parsers', () => {
  it('portOption takes 0–65535 and falls back when the option is absent', () => {
    expect(portOption(undefined, 8080)).toBe(8080);
    expect(portOption('0', 8080)).toBe(0);
    expect(portOption('65535', 8080)).toBe(65535);
    for (const bad of ['-1', '65536', '80.5', 'http', '', ' ', '0x50', '1e3']) {
      expect(() => portOption(bad, 8080), bad).toThrow(UsageError);
    }
  });

  it('positiveOption names the option it refuses', () => {
    expect(positiveOption('threads', undefined)).toBeUndefined();
    expect(positiveOption('threads', '2', true)).toBe(2);
    expect(() => positiveOption('threads', '1.5', true)).toThrow('--threads must be a positive integer');
  });
});
