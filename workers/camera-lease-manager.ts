/**
 * Keeps a worker's share of the live cameras: polls for cameras whose lease is free or ran out,
 * takes up to `capacity` of them, renews their leases, and runs one long-lived task per camera.
 * A camera whose lease cannot be renewed (taken over, released, or the database unreachable for
 * longer than the lease) has its task aborted, so two workers never process one camera for long,
 * and the fenced state write (see database-camera-leases.ts) makes sure the loser's last batch
 * cannot overwrite the winner's state.
 *
 * Timing: a dead owner stops renewing, its lease runs out at most `ttlMs` after its last renewal,
 * and a live worker polls every `pollEveryMs`: the camera is taken over within ttl + poll (20 s
 * with the defaults, inside the 30 s the issue allows) plus the stream's connection time.
 */
import type { CameraLease } from '../repositories/database-camera-leases.js';
import { errorMessage } from '../common/errors.js';
import { silentPipelineLogger, type PipelineLogger } from '../pipeline/pipeline-types.js';

/** The lease operations the manager needs (CameraLeaseRepository implements them). */
export interface CameraLeaseStore {
  acquire(sourceId: string, owner: string, ttlMs: number): Promise<CameraLease | null>;
  renew(lease: CameraLease, ttlMs: number): Promise<CameraLease | null>;
  release(lease: CameraLease): Promise<boolean>;
  freeCameras(limit: number): Promise<string[]>;
}

/**
 * The work for one leased camera. It runs until `signal` aborts (or it fails); `signal.reason`
 * is a LeaseLostError when the camera went to another worker (write nothing more) and a
 * CameraShutdown when this worker is stopping (finish the batch in hand, save it, return).
 */
export type CameraTask = (lease: CameraLease, signal: AbortSignal) => Promise<void>;

export class LeaseLostError extends Error {
  constructor(sourceId: string, why: string) {
    super(`lost the lease on camera ${sourceId}: ${why}`);
    this.name = 'LeaseLostError';
  }
}

export class CameraShutdown extends Error {
  constructor() {
    super('camera worker is shutting down');
    this.name = 'CameraShutdown';
  }
}

export interface CameraLeaseManagerOptions {
  /** Who holds the leases (shown to operators); unique per worker process. */
  owner: string;
  /** Most cameras this worker runs at once. */
  capacity: number;
  /** Lease lifetime (default 15 s). */
  ttlMs?: number;
  /** Renewal interval (default 5 s: two renewals may fail before the lease runs out). */
  renewEveryMs?: number;
  /** How often to look for free cameras (default 5 s). */
  pollEveryMs?: number;
  /** A camera whose task failed here is left to other workers this long (default 30 s). */
  retryFailedAfterMs?: number;
  logger?: PipelineLogger;
  /** Called when this worker takes a camera, and when it lets one go (why: lost, shutdown, ended, failed). */
  onChange?: (event: CameraLeaseEvent) => void;
}

export type CameraLeaseEvent =
  | { kind: 'acquired'; lease: CameraLease }
  | { kind: 'released'; lease: CameraLease; why: 'lost' | 'shutdown' | 'ended' | 'failed'; error?: string };

interface Held {
  lease: CameraLease;
  controller: AbortController;
  done: Promise<void>;
  /** performance.now() when the last successful renewal (or the acquisition) was sent. */
  confirmedAt: number;
}

export const DEFAULT_LEASE_TTL_MS = 15_000;
export const DEFAULT_RENEW_EVERY_MS = 5_000;
export const DEFAULT_POLL_EVERY_MS = 5_000;

export class CameraLeaseManager {
  private readonly held = new Map<string, Held>();
  private readonly failedAt = new Map<string, number>();
  private readonly ttlMs: number;
  private readonly renewEveryMs: number;
  private readonly pollEveryMs: number;
  private readonly retryFailedAfterMs: number;
  private readonly logger: PipelineLogger;
  private timers: NodeJS.Timeout[] = [];
  private running = false;
  private pollInFlight: Promise<void> | undefined;
  private renewInFlight: Promise<void> | undefined;

  constructor(
    private readonly store: CameraLeaseStore,
    private readonly task: CameraTask,
    private readonly opts: CameraLeaseManagerOptions,
  ) {
    this.ttlMs = opts.ttlMs ?? DEFAULT_LEASE_TTL_MS;
    this.renewEveryMs = opts.renewEveryMs ?? DEFAULT_RENEW_EVERY_MS;
    this.pollEveryMs = opts.pollEveryMs ?? DEFAULT_POLL_EVERY_MS;
    this.retryFailedAfterMs = opts.retryFailedAfterMs ?? 30_000;
    this.logger = opts.logger ?? silentPipelineLogger;
    if (!(Number.isInteger(opts.capacity) && opts.capacity >= 0)) {
      throw new RangeError(`camera capacity must be a non-negative integer, got ${opts.capacity}`);
    }
    // A renewal must fit into the lease at least twice, or one slow query loses the camera.
    if (!(this.renewEveryMs > 0 && this.ttlMs >= 2 * this.renewEveryMs && this.pollEveryMs > 0)) {
      throw new RangeError(
        `camera lease timing: need ttl (${this.ttlMs} ms) ≥ 2 × renew interval (${this.renewEveryMs} ms) and a positive poll interval`,
      );
    }
  }

  /** Takes the first cameras at once, then keeps polling and renewing until stop(). */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.timers = [
      setInterval(() => {
        this.dropUnconfirmed();
        void this.renewOnce();
      }, this.renewEveryMs),
      setInterval(() => void this.pollOnce(), this.pollEveryMs),
    ];
    await this.pollOnce();
  }

  /** Stops taking cameras, lets each task save its batch, and releases every lease. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.pollInFlight;
    await this.renewInFlight;
    const all = [...this.held.values()];
    for (const h of all) h.controller.abort(new CameraShutdown());
    await Promise.all(all.map((h) => h.done));
  }

  /** The leases this worker holds now. */
  leases(): CameraLease[] {
    return [...this.held.values()].map((h) => ({ ...h.lease }));
  }

  /** One look for free cameras; exposed so tests and shutdown can wait for a settled state. */
  pollOnce(): Promise<void> {
    this.pollInFlight ??= this.poll().finally(() => (this.pollInFlight = undefined));
    return this.pollInFlight;
  }

  renewOnce(): Promise<void> {
    this.renewInFlight ??= this.renew().finally(() => (this.renewInFlight = undefined));
    return this.renewInFlight;
  }

  private async poll(): Promise<void> {
    const room = this.opts.capacity - this.held.size;
    if (!this.running || room <= 0) return;
    let candidates: string[];
    try {
      // A few more than there is room for: some will be taken by others between read and acquire.
      candidates = await this.store.freeCameras(room + 4);
    } catch (err) {
      this.logger.warn(`cameras: cannot list free cameras: ${errorMessage(err)}`);
      return;
    }
    const now = performance.now();
    for (const sourceId of candidates) {
      if (!this.running || this.held.size >= this.opts.capacity) break;
      if (this.held.has(sourceId)) continue;
      const failed = this.failedAt.get(sourceId);
      if (failed !== undefined && now - failed < this.retryFailedAfterMs) continue;
      const sentAt = performance.now();
      let lease: CameraLease | null;
      try {
        lease = await this.store.acquire(sourceId, this.opts.owner, this.ttlMs);
      } catch (err) {
        this.logger.warn(`cameras: cannot acquire ${sourceId}: ${errorMessage(err)}`);
        continue;
      }
      if (!lease) continue;
      if (!this.running) {
        await this.store.release(lease).catch(() => false);
        break;
      }
      this.begin(lease, sentAt);
    }
  }

  private begin(lease: CameraLease, sentAt: number): void {
    const controller = new AbortController();
    const held: Held = { lease, controller, confirmedAt: sentAt, done: Promise.resolve() };
    this.held.set(lease.sourceId, held);
    this.logger.info(`cameras: ${this.opts.owner} took camera ${lease.sourceId}`);
    this.opts.onChange?.({ kind: 'acquired', lease: { ...lease } });
    held.done = (async () => {
      let error: unknown;
      try {
        await this.task(lease, controller.signal);
      } catch (err) {
        error = err;
      }
      await this.finish(held, error);
    })();
  }

  private async finish(held: Held, error: unknown): Promise<void> {
    const { lease, controller } = held;
    const reason: unknown = controller.signal.reason;
    const lost = reason instanceof LeaseLostError || error instanceof LeaseLostError;
    const why = lost
      ? 'lost'
      : reason instanceof CameraShutdown
        ? 'shutdown'
        : error === undefined
          ? 'ended'
          : 'failed';
    if (why === 'failed') {
      this.failedAt.set(lease.sourceId, performance.now());
      this.logger.warn(`cameras: camera ${lease.sourceId} failed: ${errorMessage(error)}`);
    }
    // Not ours any more when lost; otherwise hand it back at once instead of letting it expire.
    if (!lost) {
      try {
        await this.store.release(lease);
      } catch (err) {
        this.logger.warn(
          `cameras: cannot release ${lease.sourceId} (it expires by itself): ${errorMessage(err)}`,
        );
      }
    }
    this.held.delete(lease.sourceId);
    this.logger.info(`cameras: ${this.opts.owner} let camera ${lease.sourceId} go (${why})`);
    this.opts.onChange?.({
      kind: 'released',
      lease: { ...lease },
      why,
      ...(error !== undefined && why !== 'lost' ? { error: errorMessage(error) } : {}),
    });
  }

  /**
   * Aborts the tasks whose lease was not confirmed for a whole lifetime, counted from when the
   * last good renewal was sent. Checked apart from renew(), which may hang on a dead connection.
   */
  private dropUnconfirmed(): void {
    const now = performance.now();
    for (const h of this.held.values()) {
      if (!h.controller.signal.aborted && now - h.confirmedAt >= this.ttlMs) {
        h.controller.abort(new LeaseLostError(h.lease.sourceId, `not renewed for ${this.ttlMs} ms`));
      }
    }
  }

  private async renew(): Promise<void> {
    await Promise.all(
      [...this.held.values()].map(async (h) => {
        if (h.controller.signal.aborted) return;
        const sentAt = performance.now();
        try {
          const renewed = await this.store.renew(h.lease, this.ttlMs);
          if (renewed) {
            h.lease = renewed;
            h.confirmedAt = sentAt;
          } else {
            h.controller.abort(new LeaseLostError(h.lease.sourceId, 'another worker holds it now'));
          }
        } catch (err) {
          this.logger.warn(`cameras: cannot renew ${h.lease.sourceId}: ${errorMessage(err)}`);
          this.dropUnconfirmed();
        }
      }),
    );
  }
}
