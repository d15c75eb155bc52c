import { describe, expect, it } from 'vitest';
import { EngineTimeline } from './engine-timeline.js';

const T0 = Date.UTC(2024, 0, 8, 2);

describe('EngineTimeline', () => {
  it('maps engine seconds to the wall clock of the frames', () => {
    const tl = new EngineTimeline(60);
    expect(tl.wallClockMs(0)).toBeNaN();
    for (let t = 0; t <= 30; t += 10) tl.advance(t, T0 + t * 1000);
    expect(tl.wallClockMs(20)).toBe(T0 + 20_000);
    expect(tl.wallClockMs(25.5)).toBe(T0 + 25_500);
  });

  it('follows a clock discontinuity the way the engine does', () => {
    const tl = new EngineTimeline(60);
    tl.advance(100, T0);
    tl.advance(110, T0 + 10_000);
    // A reconnected stream restarts pts at 0, an hour later; the engine continues at 120.
    tl.advance(0, T0 + 3600_000);
    tl.advance(10, T0 + 3610_000);
    expect(tl.wallClockMs(105)).toBe(T0 + 5000);
    expect(tl.wallClockMs(130)).toBe(T0 + 3610_000);
  });

  it('survives a snapshot', () => {
    const a = new EngineTimeline(60);
    a.advance(0, T0);
    a.advance(10, T0 + 10_000);
    const b = new EngineTimeline(60, JSON.parse(JSON.stringify(a.snapshot())));
    b.advance(20, T0 + 20_000);
    expect(b.wallClockMs(15)).toBe(T0 + 15_000);
    expect(b.snapshot().stretches).toHaveLength(1);
  });
});
