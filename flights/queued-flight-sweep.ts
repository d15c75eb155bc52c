/**
 * Re-enqueues flights left in 'queued': uploads refused with 503 while Redis was down (they are
 * stored, see FlightNotQueuedError) and any left by a crash between recording and enqueueing.
 * Runs at start and then `intervalMs` after each round, in each API process with a Redis queue; repeating it
 * is harmless because a flight's ingest job has a deterministic id.
 */
import { errorMessage } from '../common/errors.js';
import { RepeatingTask } from '../common/repeating-task.js';

export interface QueuedFlightSweepOptions {
  intervalMs?: number;
  /** Flights handed over per round (oldest first). */
  limit?: number;
  onSwept?: (count: number) => void;
  /** Called once per outage (not every round) while the queue stays unavailable. */
  onError?: (message: string) => void;
}

export class QueuedFlightSweep {
  private readonly task: RepeatingTask;
  private failing = false;

  constructor(
    private readonly flights: { enqueueWaiting(limit?: number): Promise<number> },
    private readonly opts: QueuedFlightSweepOptions = {},
  ) {
    this.task = new RepeatingTask(async () => {
      await this.sweep();
      return false;
    }, opts.intervalMs ?? 30_000);
  }

  /** One round now; never throws. */
  async sweep(): Promise<number> {
    try {
      const count = await this.flights.enqueueWaiting(this.opts.limit ?? 200);
      this.failing = false;
      if (count > 0) this.opts.onSwept?.(count);
      return count;
    } catch (err) {
      if (!this.failing) this.opts.onError?.(`re-enqueueing queued flights failed: ${errorMessage(err)}`);
      this.failing = true;
      return 0;
    }
  }

  start(): void {
    this.task.start();
  }

  async stop(): Promise<void> {
    await this.task.stop();
  }
}
