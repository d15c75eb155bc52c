/**
 * Where an accepted flight goes to be analysed. The BullMQ workers (issue 7) implement this with
 * a queue; the embedded server either leaves flights queued for a worker to pick up, or runs them
 * in-process one at a time.
 */

export interface FlightQueue {
  enqueue(flightId: string): Promise<void>;
}

/** Leaves flights in 'queued' for whatever later lists and processes them. */
export class NoopFlightQueue implements FlightQueue {
  async enqueue(): Promise<void> {}
}

/** Runs flights one at a time in this process; `run` reports progress through FlightService. */
export class InProcessFlightQueue implements FlightQueue {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;

  constructor(
    private readonly run: (flightId: string) => Promise<void>,
    private readonly onError: (flightId: string, err: unknown) => void = () => {},
  ) {}

  /** Flights accepted but not yet finished. */
  get backlog(): number {
    return this.pending;
  }

  async enqueue(flightId: string): Promise<void> {
    this.pending++;
    this.tail = this.tail.then(async () => {
      try {
        await this.run(flightId);
      } catch (err) {
        this.onError(flightId, err);
      } finally {
        this.pending--;
      }
    });
  }

  /** Resolves when every flight enqueued so far has been run. */
  async idle(): Promise<void> {
    await this.tail;
  }
}
