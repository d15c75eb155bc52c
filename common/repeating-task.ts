/**
 * One background round at a time, again `intervalMs` after each round ends, or at once when the
 * round reports it left work behind. stop() waits for a round in progress, so a shutdown never
 * closes the store under it. Rounds handle their own errors; a throw counts as "nothing left".
 */
export class RepeatingTask {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(
    private readonly round: () => Promise<boolean>,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.round()
        .catch(() => false)
        .then((again) => {
          this.running = undefined;
          this.schedule(again ? 0 : this.intervalMs);
        });
    }, delayMs);
    // Background work alone never keeps the process alive.
    this.timer.unref();
  }
}
