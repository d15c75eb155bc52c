/**
 * The embedded sender: calls deliverDue() every few seconds in this process. With BullMQ workers
 * (issue 7) a job calls the same deliverDue()/deliverOne() instead; running both is safe, since
 * deliveries are claimed with row locks and leases.
 */
import { RepeatingTask } from '../common/repeating-task.js';
import type { DeliveryOutcome } from './dispatch-service.js';

export interface DispatchPollerOptions {
  intervalMs?: number | undefined;
  onError?: ((err: unknown) => void) | undefined;
  onRound?: ((outcomes: DeliveryOutcome[]) => void) | undefined;
}

export class DispatchPoller {
  private readonly task: RepeatingTask;

  constructor(
    private readonly dispatch: { deliverDue(): Promise<DeliveryOutcome[]> },
    private readonly opts: DispatchPollerOptions = {},
  ) {
    this.task = new RepeatingTask(() => this.round(), opts.intervalMs ?? 2000);
  }

  start(): void {
    this.task.start();
  }

  /** Stops polling and waits for a round in progress to finish. */
  async stop(): Promise<void> {
    await this.task.stop();
  }

  /** True when the round found work: it may have left more behind, so go again at once. */
  private async round(): Promise<boolean> {
    try {
      const outcomes = await this.dispatch.deliverDue();
      this.opts.onRound?.(outcomes);
      return outcomes.some((o) => o.result !== 'skipped');
    } catch (err) {
      this.opts.onError?.(err);
      return false;
    }
  }
}
