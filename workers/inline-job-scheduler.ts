/**
 * The embedded server's queue: jobs run one at a time in this process, in the order they were
 * added, through the same handlers as the BullMQ workers. One attempt each (a failure calls the
 * job's onFailed hook at once); a flow runs its children, then its parent if they all succeeded.
 * Ids dedupe as in BullMQ while a job is pending, so a repeated enqueue adds nothing.
 */
import { PermanentJobError, errorMessage } from '../common/errors.js';
import { jobIdOf, type JobName, type JobPayload, type JobScheduler, type WorkerSet } from './job-registry.js';

interface Pending {
  id: string;
  name: JobName;
  payload: unknown;
  /** Flow parent: runs after these children, not at all if one fails. */
  children?: { id: string; name: JobName; payload: unknown }[];
}

export class InlineJobScheduler implements JobScheduler {
  private set: WorkerSet | undefined;
  private readonly pending: Pending[] = [];
  private readonly ids = new Set<string>();
  private draining: Promise<void> | undefined;
  private readonly stopping = new AbortController();

  constructor(private readonly opts: { onError?: (jobId: string, err: unknown) => void } = {}) {}

  /** Handlers need the scheduler and the scheduler needs handlers: bound once both exist. */
  bind(set: WorkerSet): void {
    this.set = set;
    this.kick();
  }

  async enqueue<N extends JobName>(
    name: N,
    payload: JobPayload<N>,
    opts: { delayMs?: number } = {},
  ): Promise<void> {
    const id = jobIdOf(name, payload);
    if (this.ids.has(id)) return;
    this.ids.add(id);
    const job: Pending = { id, name, payload };
    if (opts.delayMs) {
      setTimeout(() => this.push(job), opts.delayMs).unref();
    } else {
      this.push(job);
    }
  }

  async addFlow<P extends JobName, C extends JobName>(
    parent: { name: P; payload: JobPayload<P> },
    children: { name: C; payload: JobPayload<C> }[],
  ): Promise<void> {
    const id = jobIdOf(parent.name, parent.payload);
    if (this.ids.has(id)) return;
    this.ids.add(id);
    this.push({
      id,
      name: parent.name,
      payload: parent.payload,
      children: children.map((c) => ({ id: jobIdOf(c.name, c.payload), name: c.name, payload: c.payload })),
    });
  }

  /** Resolves when nothing is pending. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** Stops after the running job; pending jobs are dropped (their flights stay queued/processing). */
  async close(): Promise<void> {
    this.stopping.abort();
    this.pending.length = 0;
    await this.idle();
  }

  private push(job: Pending): void {
    if (this.stopping.signal.aborted) return;
    this.pending.push(job);
    this.kick();
  }

  private kick(): void {
    if (this.draining || !this.set || this.pending.length === 0) return;
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      this.kick();
    });
  }

  private async drain(): Promise<void> {
    const set = this.set as WorkerSet;
    for (let job = this.pending.shift(); job; job = this.pending.shift()) {
      let ok = true;
      for (const child of job.children ?? []) {
        if (!(await this.runOne(set, child))) {
          ok = false;
          break;
        }
      }
      if (ok) await this.runOne(set, job);
      this.ids.delete(job.id);
    }
  }

  private async runOne(
    set: WorkerSet,
    job: { id: string; name: JobName; payload: unknown },
  ): Promise<boolean> {
    try {
      await set.run(job.name, job.payload, {
        id: job.id,
        attempt: 1,
        attempts: 1,
        signal: this.stopping.signal,
        progress: async () => {},
      });
      return true;
    } catch (err) {
      const error = err instanceof Error ? err : new PermanentJobError(errorMessage(err));
      if (!this.stopping.signal.aborted) await set.failed(job.name, job.payload, error);
      this.opts.onError?.(job.id, err);
      return false;
    }
  }
}
