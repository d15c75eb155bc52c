import { describe, expect, it } from 'vitest';
import { EngineClock } from './engine-clock.js';

describe('engine clock', () => {
  it('follows pts while it behaves', () => {
    const c = new EngineClock(60);
    expect([0, 1, 2.5, 2.5, 40].map((t) => c.advance(t).timeS)).toEqual([0, 1, 2.5, 2.5, 40]);
  });

  it('bridges a backwards jump and a forward jump with one ordinary step', () => {
    const c = new EngineClock(60);
    for (let t = 0; t <= 100; t++) c.advance(t);
    expect(c.advance(5)).toEqual({ timeS: 101, discontinuity: true });
    expect(c.advance(6).timeS).toBe(102);
    expect(c.advance(3606)).toEqual({ timeS: 103, discontinuity: true });
    expect(c.advance(3610).timeS).toBe(107);
  });

  it('peeks without advancing and survives a snapshot', () => {
    const c = new EngineClock(60);
    c.advance(10);
    c.advance(3700);
    expect(c.peek(3705)).toBe(15);
    expect(c.peek(0)).toBe(10);
    const d = new EngineClock(60);
    d.restore(JSON.parse(JSON.stringify(c.snapshot())));
    expect(d.advance(3701).timeS).toBe(11);
  });
});
