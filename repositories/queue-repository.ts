/**
 * BullMQ over Redis, wrapped once: the only module that imports `bullmq` or `ioredis`. Everything
 * else sees plain queue names, job names, JSON payloads and deterministic ids.
 *
 * Connections follow BullMQ's production guide: workers keep `maxRetriesPerRequest: null` and the
 * offline queue, so a Redis restart pauses them instead of failing their commands; a producer in
 * the API has `enableOfflineQueue: false` and `maxRetriesPerRequest: 1`, so a request fails fast
 * (QueueUnavailableError → 503) instead of hanging while Redis is down. Both reconnect for ever
 * with a capped backoff.
 */
import { randomUUID } from 'node:crypto';
import {
  FlowProducer,
  MetricsTime,
  Queue,
  UnrecoverableError,
  WaitingError,
  Worker,
  type Job,
  type JobsOptions,
} from 'bullmq';
import { Redis } from 'ioredis';
import { errorMessage, PermanentJobError, QueueUnavailableError } from '../common/errors.js';

/** Who holds the connection: a worker waits out Redis outages, a producer fails fast. */
export type QueueRole = 'worker' | 'producer';

export interface QueueRepositoryOptions {
  /** redis:// or rediss:// URL (REDIS_URL). */
  url: string;
  /** Prefix of every key (GRIDWATCH_QUEUE_PREFIX); tests use a unique one each. */
  prefix: string;
  role: QueueRole;
  /** How long an enqueue waits for a (re)connecting producer before giving up; default 2 s. */
  connectTimeoutMs?: number;
  logger?: { warn(message: string): void };
}

export interface EnqueueOptions {
  /** Deterministic id: adding a job whose id exists (queued, running or kept) does nothing. */
  jobId: string;
  delayMs?: number;
  attempts?: number;
  /** A job with this id that already completed or failed is removed and added afresh. */
  replaceFinished?: boolean;
}

export interface FlowNodeSpec {
  queue: string;
  name: string;
  data: unknown;
  jobId: string;
}

export interface FlowSpec {
  /** Runs once every child has completed; a child that fails for good fails it too. */
  parent: FlowNodeSpec;
  children: FlowNodeSpec[];
  /** A parent that already completed or failed is removed (with its children) and the flow added afresh. */
  replaceFinished?: boolean;
}

/** What a processor sees of a running job. */
export interface QueueJob {
  id: string;
  name: string;
  queue: string;
  data: unknown;
  /** Attempts that failed before this one. */
  attemptsMade: number;
  /** Attempts allowed in all. */
  attempts: number;
  /** Aborted when the worker shuts down past its grace period; the job then goes back to wait. */
  signal: AbortSignal;
  progress(value: number): Promise<void>;
}

export type JobProcessor = (job: QueueJob) => Promise<unknown>;

export interface WorkerHandleOptions {
  concurrency: number;
  /** A job whose lock is not renewed for this long counts as stalled; default 30 s. */
  lockDurationMs?: number;
  /** How often this worker looks for stalled jobs; default 15 s. */
  stalledIntervalMs?: number;
  /** A job failed (for good, or to be retried). `job` is undefined for some stalled-job failures. */
  onFailed?: (job: QueueJob | undefined, err: Error, final: boolean) => void;
  onError?: (err: Error) => void;
}

export interface WorkerHandle {
  readonly queue: string;
  /**
   * Stops taking jobs and lets running ones finish; after `graceMs` the rest are aborted and handed
   * back to the queue (moved to wait, no attempt used) for another worker.
   */
  close(graceMs?: number): Promise<void>;
}

export interface QueueJobInfo {
  state: string;
  attemptsMade: number;
  failedReason: string | null;
  /** Epoch ms when it last completed or failed. */
  finishedOn: number | null;
  returnValue: unknown;
}

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  prioritized: number;
  waitingChildren: number;
  completed: number;
  failed: number;
}

/** One queue as /metrics reports it. */
export interface QueueMetricsEntry {
  queue: string;
  counts: QueueCounts;
  /** Jobs completed / failed for good since the queue's metrics began (BullMQ worker metrics). */
  completedTotal: number;
  failedTotal: number;
  /**
   * Seconds from when each recently completed job was due (added, plus its delay) to when it
   * finished, for the newest completed jobs Redis still keeps (removeOnComplete: 1 h, ≤ 1000).
   */
  latencySeconds: number[];
}

/**
 * The BullMQ queue object, for the admin dashboard's bull-board adapter only
 * (api/plugins/queue-dashboard.ts): it is the one caller that needs the library's own type.
 */
export type DashboardQueue = Queue;

/** Attempts 5, exponential backoff from 2 s with jitter, completed jobs kept 1 h (≤ 1000), failed 7 days. */
export const DEFAULT_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2000, jitter: 0.5 },
  removeOnComplete: { age: 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600 },
} as const satisfies JobsOptions;

export const WORKER_SETTINGS = {
  lockDuration: 30_000,
  stalledInterval: 15_000,
  maxStalledCount: 2,
} as const;

/** Reconnect for ever, backing off to at most 20 s between tries. */
function retryStrategy(times: number): number {
  return Math.min(20_000, Math.max(1000, 2 ** Math.min(times, 15) * 50));
}

/** The ioredis options BullMQ's production guide gives for each role. */
export interface RoleRedisOptions {
  maxRetriesPerRequest: number | null;
  enableReadyCheck: boolean;
  enableOfflineQueue: boolean;
  retryStrategy: (times: number) => number;
}

export function redisOptions(role: QueueRole): RoleRedisOptions {
  return role === 'worker'
    ? { maxRetriesPerRequest: null, enableReadyCheck: true, enableOfflineQueue: true, retryStrategy }
    : { maxRetriesPerRequest: 1, enableReadyCheck: true, enableOfflineQueue: false, retryStrategy };
}

/**
 * BullMQ refuses custom ids with one ':' (it reserves them for repeatable jobs), so the
 * domain's `ingest:<flightId>` is stored as `ingest.<flightId>`.
 */
export function storedJobId(id: string): string {
  return id.replace(/:/g, '.');
}

function toQueueJob(job: Job, signal: AbortSignal): QueueJob {
  return {
    id: job.id ?? '',
    name: job.name,
    queue: job.queueName,
    data: job.data as unknown,
    attemptsMade: job.attemptsMade,
    attempts: job.opts.attempts ?? 1,
    signal,
    progress: (value) => job.updateProgress(value),
  };
}

function isFinal(job: Job | undefined, err: Error): boolean {
  if (!job) return true;
  if (err instanceof UnrecoverableError || err.name === 'UnrecoverableError') return true;
  return job.attemptsMade >= (job.opts.attempts ?? 1);
}

export class QueueRepository {
  private readonly redis: Redis;
  private readonly queues = new Map<string, Queue>();
  private flows: FlowProducer | undefined;
  private readonly workers = new Set<Worker>();
  private closed = false;

  constructor(private readonly opts: QueueRepositoryOptions) {
    this.redis = new Redis(opts.url, {
      ...redisOptions(opts.role),
      connectionName: `gridwatch-${opts.role}-${randomUUID().slice(0, 8)}`,
    });
    // Without a listener ioredis reports every failed reconnect as an unhandled 'error'.
    let warned = false;
    this.redis.on('error', (err: Error) => {
      if (!warned) opts.logger?.warn(`redis: ${err.message}`);
      warned = true;
    });
    this.redis.on('ready', () => (warned = false));
  }

  get prefix(): string {
    return this.opts.prefix;
  }

  /** Adds one job unless a job with its id exists (see `replaceFinished`). */
  async add(queue: string, name: string, data: unknown, opts: EnqueueOptions): Promise<void> {
    await this.guard(async () => {
      const q = this.queue(queue);
      const jobId = storedJobId(opts.jobId);
      if (opts.replaceFinished) await this.removeIfFinished(q, jobId);
      await q.add(name, data, {
        ...DEFAULT_JOB_OPTIONS,
        jobId,
        ...(opts.attempts ? { attempts: opts.attempts } : {}),
        ...(opts.delayMs ? { delay: Math.max(0, Math.round(opts.delayMs)) } : {}),
      });
    });
  }

  /** Adds a parent and its children atomically (BullMQ FlowProducer). */
  async addFlow(flow: FlowSpec): Promise<void> {
    await this.guard(async () => {
      const parentId = storedJobId(flow.parent.jobId);
      if (flow.replaceFinished) await this.removeIfFinished(this.queue(flow.parent.queue), parentId);
      this.flows ??= new FlowProducer({ connection: this.redis, prefix: this.opts.prefix });
      await this.flows.add({
        name: flow.parent.name,
        queueName: flow.parent.queue,
        data: flow.parent.data,
        prefix: this.opts.prefix,
        opts: { ...DEFAULT_JOB_OPTIONS, jobId: parentId },
        children: flow.children.map((c) => ({
          name: c.name,
          queueName: c.queue,
          data: c.data,
          prefix: this.opts.prefix,
          // A child that fails for good fails its parent, so the flight is not left waiting.
          opts: { ...DEFAULT_JOB_OPTIONS, jobId: storedJobId(c.jobId), failParentOnFailure: true },
        })),
      });
    });
  }

  /** A job by its domain id, as far as Redis still keeps it; undefined when there is none. */
  async job(queue: string, jobId: string): Promise<QueueJobInfo | undefined> {
    return this.guard(async () => {
      const job = await this.queue(queue).getJob(storedJobId(jobId));
      if (!job) return undefined;
      return {
        state: await job.getState(),
        attemptsMade: job.attemptsMade,
        failedReason: job.failedReason || null,
        finishedOn: job.finishedOn ?? null,
        returnValue: job.returnvalue as unknown,
      };
    });
  }

  async counts(queues: readonly string[]): Promise<Record<string, QueueCounts>> {
    return this.guard(async () => {
      const out: Record<string, QueueCounts> = {};
      for (const name of queues) {
        const c = await this.queue(name).getJobCounts(
          'waiting',
          'active',
          'delayed',
          'prioritized',
          'waiting-children',
          'completed',
          'failed',
        );
        out[name] = {
          waiting: c.waiting ?? 0,
          active: c.active ?? 0,
          delayed: c.delayed ?? 0,
          prioritized: c.prioritized ?? 0,
          waitingChildren: c['waiting-children'] ?? 0,
          completed: c.completed ?? 0,
          failed: c.failed ?? 0,
        };
      }
      return out;
    });
  }

  /**
   * Depth, totals and recent latency per queue for /metrics; `latencySample` newest completed
   * jobs per queue are read for the latency.
   */
  async metrics(queues: readonly string[], latencySample = 200): Promise<QueueMetricsEntry[]> {
    const counts = await this.counts(queues);
    return this.guard(async () => {
      const out: QueueMetricsEntry[] = [];
      for (const name of queues) {
        const q = this.queue(name);
        const [completed, failed, recent] = await Promise.all([
          q.getMetrics('completed', 0, 0),
          q.getMetrics('failed', 0, 0),
          q.getCompleted(0, Math.max(0, latencySample - 1)),
        ]);
        const latencySeconds: number[] = [];
        for (const job of recent) {
          if (!job?.finishedOn || !job.timestamp) continue;
          const due = job.timestamp + (job.opts?.delay ?? 0);
          latencySeconds.push(Math.max(0, job.finishedOn - due) / 1000);
        }
        out.push({
          queue: name,
          counts: counts[name] as QueueCounts,
          completedTotal: Number(completed.meta.count) || 0,
          failedTotal: Number(failed.meta.count) || 0,
          latencySeconds,
        });
      }
      return out;
    });
  }

  /** The queue objects bull-board reads (see DashboardQueue); nothing else should use them. */
  dashboardQueues(queues: readonly string[]): DashboardQueue[] {
    return queues.map((name) => this.queue(name));
  }

  /** Round-trip time to Redis in ms; QueueUnavailableError when it does not answer. */
  async ping(): Promise<number> {
    return this.guard(async () => {
      const started = performance.now();
      await this.redis.ping();
      return performance.now() - started;
    });
  }

  /**
   * Starts a worker on one queue. A `PermanentJobError` from the processor becomes BullMQ's
   * UnrecoverableError: the job fails at once, whatever attempts it had left.
   */
  createWorker(queue: string, processor: JobProcessor, opts: WorkerHandleOptions): WorkerHandle {
    const shutdown = new AbortController();
    const worker = new Worker(
      queue,
      async (job: Job, token?: string, bullSignal?: AbortSignal) => {
        const signal = bullSignal ? AbortSignal.any([bullSignal, shutdown.signal]) : shutdown.signal;
        try {
          return await processor(toQueueJob(job, signal));
        } catch (err) {
          if (shutdown.signal.aborted && token) {
            // Shutting down past the grace period: hand the job back untouched for another worker.
            await job.moveToWait(token);
            throw new WaitingError();
          }
          if (err instanceof PermanentJobError) throw new UnrecoverableError(err.message);
          throw err instanceof Error ? err : new Error(errorMessage(err));
        }
      },
      {
        connection: { url: this.opts.url, ...redisOptions('worker') },
        prefix: this.opts.prefix,
        concurrency: opts.concurrency,
        ...WORKER_SETTINGS,
        // Per-minute completed/failed counts kept in Redis: /metrics reads their running totals.
        metrics: { maxDataPoints: MetricsTime.ONE_WEEK },
        ...(opts.lockDurationMs ? { lockDuration: opts.lockDurationMs } : {}),
        ...(opts.stalledIntervalMs ? { stalledInterval: opts.stalledIntervalMs } : {}),
      },
    );
    worker.on('error', (err) => opts.onError?.(err));
    worker.on('failed', (job, err) => {
      if (err.name === 'WaitingError' || err.message === 'bullmq:movedToWait') return;
      opts.onFailed?.(job ? toQueueJob(job, shutdown.signal) : undefined, err, isFinal(job, err));
    });
    this.workers.add(worker);
    return {
      queue,
      close: async (graceMs = 30_000) => {
        const closing = worker.close();
        let timer: NodeJS.Timeout | undefined;
        const late = await Promise.race([
          closing.then(() => false),
          new Promise<boolean>((res) => (timer = setTimeout(() => res(true), graceMs))),
        ]);
        clearTimeout(timer);
        if (late) {
          shutdown.abort(new Error('worker shutting down'));
          await closing;
        }
        this.workers.delete(worker);
      },
    };
  }

  /** Deletes the queues and every job in them (tests, and a deployment being torn down). */
  async obliterate(queues: readonly string[]): Promise<void> {
    await this.guard(async () => {
      for (const name of queues) await this.queue(name).obliterate({ force: true });
    });
  }

  /** Closes workers (without waiting for their jobs: close their handles first for that), queues and Redis. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.workers].map((w) => w.close(true)));
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
    await this.flows?.close().catch(() => {});
    this.redis.disconnect();
  }

  private queue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.redis, prefix: this.opts.prefix });
      // Connection errors surface on the shared client (logged once above) and on each call.
      q.on('error', () => {});
      this.queues.set(name, q);
    }
    return q;
  }

  private async removeIfFinished(q: Queue, jobId: string): Promise<void> {
    const job = await q.getJob(jobId);
    if (!job) return;
    const state = await job.getState();
    if (state === 'completed' || state === 'failed') await job.remove({ removeChildren: true });
  }

  /**
   * A producer that is not connected fails at once (after a short wait for a reconnect in
   * progress) with QueueUnavailableError; a worker's connection waits for Redis instead.
   */
  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new QueueUnavailableError('the job queue connection is closed');
    if (this.opts.role === 'producer') await this.whenReady();
    try {
      return await fn();
    } catch (err) {
      if (this.redis.status !== 'ready') {
        throw new QueueUnavailableError(`the job queue (Redis) is unavailable: ${errorMessage(err)}`, {
          cause: err,
        });
      }
      throw err;
    }
  }

  private async whenReady(): Promise<void> {
    if (this.redis.status === 'ready') return;
    const timeoutMs = this.opts.connectTimeoutMs ?? 2000;
    await new Promise<void>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        this.redis.off('ready', done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.redis.off('ready', done);
        reject(
          new QueueUnavailableError(
            `the job queue (Redis) is unavailable: not connected (${this.redis.status}) after ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.redis.on('ready', done);
    });
  }
}
