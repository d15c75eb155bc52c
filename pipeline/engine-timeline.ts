/**
 * Maps the violation engine's timeline back to wall-clock time. The engine counts in pts plus an
 * offset that changes at clock discontinuities (EngineClock); cases need real times. This runs the
 * same clock beside the engine and remembers, per stretch between discontinuities, the offset from
 * engine seconds to wall-clock milliseconds. Plain data, so it travels with an engine snapshot.
 */
import { EngineClock, type ClockState } from '../violations/engine-clock.js';

interface Stretch {
  /** Engine time this stretch starts at. */
  fromS: number;
  /** wall clock ms − engine s × 1000 within it. */
  offsetMs: number;
}

export interface TimelineState {
  clock: ClockState;
  stretches: Stretch[];
}

/** Offsets closer than this are one stretch (a wall clock from telemetry jitters by milliseconds). */
const SAME_OFFSET_MS = 500;
const MAX_STRETCHES = 10_000;

export class EngineTimeline {
  private readonly clock: EngineClock;
  private stretches: Stretch[] = [];

  constructor(maxGapSeconds: number, state?: TimelineState) {
    this.clock = new EngineClock(maxGapSeconds);
    if (state) {
      this.clock.restore(state.clock);
      this.stretches = state.stretches.map((s) => ({ ...s }));
    }
  }

  /** Call once per frame, with the frame the engine is about to process. */
  advance(ptsS: number, wallClockMs: number): void {
    if (!Number.isFinite(ptsS)) return;
    const { timeS } = this.clock.advance(ptsS);
    if (!Number.isFinite(wallClockMs)) return;
    const offsetMs = wallClockMs - timeS * 1000;
    const last = this.stretches[this.stretches.length - 1];
    if (last && Math.abs(last.offsetMs - offsetMs) < SAME_OFFSET_MS) return;
    this.stretches.push({ fromS: timeS, offsetMs });
    if (this.stretches.length > MAX_STRETCHES) this.stretches.shift();
  }

  /** Wall clock (ms) of an engine time; NaN before the first frame. */
  wallClockMs(engineS: number): number {
    const st = this.stretches;
    if (st.length === 0) return NaN;
    let lo = 0;
    let hi = st.length - 1;
    if (engineS < st[0]!.fromS) return engineS * 1000 + st[0]!.offsetMs;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (st[mid]!.fromS <= engineS) lo = mid;
      else hi = mid - 1;
    }
    return engineS * 1000 + st[lo]!.offsetMs;
  }

  snapshot(): TimelineState {
    return { clock: this.clock.snapshot(), stretches: this.stretches.map((s) => ({ ...s })) };
  }
}
