/**
 * A live camera's health as callers see it: the current state and since when, the last frame's
 * time, and the outages it recovered from with their durations. Times are wall-clock Dates
 * because operators read them; durations come from the same clock.
 */
export type CameraState = 'connecting' | 'online' | 'reconnecting' | 'offline';

export interface Outage {
  /** The last frame before the loss. */
  from: Date;
  /** The first frame after recovery. */
  to: Date;
  durationMs: number;
}

export interface CameraStatus {
  state: CameraState;
  since: Date;
  lastFrameAt?: Date;
  /** Why the last connection ended or failed. */
  lastError?: string;
  /** Oldest first; the most recent `maxOutages` are kept. */
  outages: Outage[];
}

export type StatusListener = (status: CameraStatus) => void;

export class CameraStatusTracker {
  private state: CameraState = 'connecting';
  private since: Date;
  private lastFrameAt: Date | undefined;
  private lastError: string | undefined;
  /** Start of the current run without frames: the last frame, or when we began trying. */
  private downSince: Date;
  private readonly outages: Outage[] = [];
  private readonly listeners = new Set<StatusListener>();

  constructor(
    private readonly offlineAfterMs: number,
    now: Date = new Date(),
    private readonly maxOutages = 100,
  ) {
    this.since = now;
    this.downSince = now;
  }

  snapshot(): CameraStatus {
    const s: CameraStatus = { state: this.state, since: this.since, outages: [...this.outages] };
    if (this.lastFrameAt) s.lastFrameAt = this.lastFrameAt;
    if (this.lastError !== undefined) s.lastError = this.lastError;
    return s;
  }

  onChange(listener: StatusListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  frameReceived(now: Date = new Date()): void {
    const wasDown = this.state !== 'online';
    if (wasDown && this.lastFrameAt) {
      this.outages.push({
        from: this.lastFrameAt,
        to: now,
        durationMs: now.getTime() - this.lastFrameAt.getTime(),
      });
      if (this.outages.length > this.maxOutages) this.outages.shift();
    }
    this.lastFrameAt = now;
    if (wasDown) this.enter('online', now);
  }

  /** A connection ended or an attempt failed; emits on every call so callers see each error. */
  connectionLost(reason: string, now: Date = new Date()): void {
    this.lastError = reason;
    if (this.state === 'online') {
      this.downSince = this.lastFrameAt ?? now;
      this.state = 'reconnecting';
      this.since = now;
    }
    if (this.state !== 'offline' && now.getTime() - this.downSince.getTime() >= this.offlineAfterMs) {
      this.state = 'offline';
      this.since = now;
    }
    this.emit();
  }

  /** The source was closed: no more attempts, so the camera is offline from our point of view. */
  stopped(now: Date = new Date()): void {
    if (this.state !== 'offline') this.enter('offline', now);
  }

  private enter(state: CameraState, now: Date): void {
    this.state = state;
    this.since = now;
    this.emit();
  }

  private emit(): void {
    const s = this.snapshot();
    for (const l of this.listeners) l(s);
  }
}
