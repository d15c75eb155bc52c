/** Plain data for snapshots. */
export interface ClockState {
  lastPtsS: number | null;
  /** Engine time = pts + offset. */
  offsetS: number;
  /** Last regular step between frames, used to bridge a discontinuity. */
  lastStepS: number;
}

export interface ClockReading {
  timeS: number;
  discontinuity: boolean;
}

/**
 * Maps stream timestamps onto a monotonic engine timeline. Policy on a discontinuity (pts going
 * backwards, e.g. a reconnected RTSP stream or a camera resumed on another worker, or jumping
 * forward by more than `maxGapSeconds`): the timeline advances by one ordinary frame step and
 * carries on from there. Tracks and dwell already accumulated are kept; the gap itself is never
 * credited as dwell. So a restart cannot produce a giant dwell, and cannot wipe a real one.
 */
export class EngineClock {
  private state: ClockState = { lastPtsS: null, offsetS: 0, lastStepS: 0 };

  constructor(readonly maxGapSeconds: number) {}

  advance(ptsS: number): ClockReading {
    const s = this.state;
    if (s.lastPtsS === null) {
      s.lastPtsS = ptsS;
      return { timeS: ptsS + s.offsetS, discontinuity: false };
    }
    const dt = ptsS - s.lastPtsS;
    let discontinuity = false;
    if (dt >= 0 && dt <= this.maxGapSeconds) {
      if (dt > 0) s.lastStepS = dt;
    } else {
      const bridged = s.lastPtsS + s.offsetS + s.lastStepS;
      s.offsetS = bridged - ptsS;
      discontinuity = true;
    }
    s.lastPtsS = ptsS;
    return { timeS: ptsS + s.offsetS, discontinuity };
  }

  /** Engine time for a pts without advancing (flush); the last time when it does not fit. */
  peek(ptsS: number): number {
    const s = this.state;
    if (s.lastPtsS === null) return Number.isFinite(ptsS) ? ptsS : 0;
    const now = s.lastPtsS + s.offsetS;
    const dt = ptsS - s.lastPtsS;
    return Number.isFinite(ptsS) && dt >= 0 && dt <= this.maxGapSeconds ? ptsS + s.offsetS : now;
  }

  snapshot(): ClockState {
    return { ...this.state };
  }

  restore(s: ClockState): void {
    this.state = { lastPtsS: s.lastPtsS ?? null, offsetS: s.offsetS ?? 0, lastStepS: s.lastStepS ?? 0 };
  }
}
