/**
 * The embedded sender: calls deliverDue() every few seconds in this process. With BullMQ workers
 * (issue 7) a job calls the same deliverDue()/deliverOne() instead; running both is safe, since
 * deliveries are claimed with row locks and leases.
 */
import type { DeliveryOutcome } from './dispatch-service.js';

export interface DispatchPollerOptions {
  intervalMs?: number | undefined;
  onError?: ((err: unknown) => void) | undefined;
  onRound?: ((outcomes: DeliveryOutcome[]) => void) | undefined;
}

export class DispatchPoller {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private readonly intervalMs: number;

  constructor(
    private readonly dispatch: { deliverDue(): Promise<DeliveryOutcome[]> },
    private readonly opts: DispatchPollerOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? 2000;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Stops polling and waits for a round in progress to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.round().finally(() => {
        this.running = undefined;
      });
    }, delayMs);
    this.timer.unref();
  }

  private async round(): Promise<void> {
    let again = false;
    try {
      const outcomes = await this.dispatch.deliverDue();
      this.opts.onRound?.(outcomes);
      // A round that found work may have left more behind: go again at once.
      again = outcomes.some((o) => o.result !== 'skipped');
    } catch (err) {
      this.opts.onError?.(err);
    }
    this.schedule(again ? 0 : this.intervalMs);
  }
}
