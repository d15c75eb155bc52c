/**
 * Every queue job Gridwatch runs, in one typed table: its queue, its payload (a TypeBox schema,
 * checked when the job arrives), and its deterministic id. `createWorkerSet` pairs the table with
 * handlers and refuses to start when a job has no handler or a handler names no job, so a worker
 * can never take a job off a queue and not know what to do with it.
 *
 * No BullMQ here: processors see a `QueueJob` from repositories/queue-repository.ts, and handlers
 * see only their payload and a small `JobRun`.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { PermanentJobError, errorMessage } from '../common/errors.js';
import type { QueueJob } from '../repositories/queue-repository.js';

export const QUEUE_NAMES = ['flights', 'segments', 'evidence', 'dispatch', 'cameras'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

export interface JobDefinition<S extends TSchema = TSchema> {
  queue: QueueName;
  payload: S;
  /** Same payload, same id: adding it again while it exists adds nothing. */
  jobId(payload: Static<S>): string;
}

function defineJob<S extends TSchema>(def: JobDefinition<S>): JobDefinition<S> {
  return def;
}

const Uuid = Type.String({
  pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
});

export const JOB_DEFINITIONS = {
  /** Probe, telemetry, plan; then the segment flow. */
  'flight.ingest': defineJob({
    queue: 'flights',
    payload: Type.Object({ flightId: Uuid }),
    jobId: (p) => `ingest:${p.flightId}`,
  }),
  /** Decode + detect one segment of a planned flight (children of flight.aggregate). */
  'segment.analyse': defineJob({
    queue: 'segments',
    payload: Type.Object({ flightId: Uuid, segmentIndex: Type.Integer({ minimum: 0, maximum: 100_000 }) }),
    jobId: (p) => `segment:${p.flightId}:${p.segmentIndex}`,
  }),
  /** Flow parent: merges the segments into violations, upserts cases, queues their evidence. */
  'flight.aggregate': defineJob({
    queue: 'flights',
    payload: Type.Object({ flightId: Uuid }),
    jobId: (p) => `aggregate:${p.flightId}`,
  }),
  /** Renders a case's evidence from the violation's frames in the flight video. */
  'evidence.render': defineJob({
    queue: 'evidence',
    payload: Type.Object({
      flightId: Uuid,
      caseId: Uuid,
      /** Wall clock (ms) of the violation's newest observation: a newer one renders again. */
      stamp: Type.Integer(),
      /** The violation (violations/violation-types.ts) as the aggregate saw it. */
      violation: Type.Object(
        { id: Type.String({ minLength: 1 }), type: Type.String(), evidence: Type.Object({}) },
        { additionalProperties: true },
      ),
    }),
    jobId: (p) => `evidence:${p.caseId}:${p.stamp}`,
  }),
  /** One webhook delivery attempt; a failed attempt schedules the next as a delayed job. */
  'dispatch.deliver': defineJob({
    queue: 'dispatch',
    payload: Type.Object({ deliveryId: Uuid, attempt: Type.Integer({ minimum: 0 }) }),
    jobId: (p) => `dispatch:${p.deliveryId}:${p.attempt}`,
  }),
} as const;

export type JobName = keyof typeof JOB_DEFINITIONS;
export type JobPayload<N extends JobName> = Static<(typeof JOB_DEFINITIONS)[N]['payload']>;
export const JOB_NAMES = Object.keys(JOB_DEFINITIONS) as JobName[];

/** What a handler knows of the job it runs. */
export interface JobRun {
  id: string;
  /** 1 for the first attempt. */
  attempt: number;
  attempts: number;
  /** Aborted when the worker hands the job back on shutdown. */
  signal: AbortSignal;
  progress(value: number): Promise<void>;
}

export interface JobHandler<N extends JobName> {
  run(payload: JobPayload<N>, job: JobRun): Promise<unknown>;
  /**
   * The job failed for good: a PermanentJobError, or its last attempt. Runs before the job is
   * recorded as failed; it must be idempotent (a crash here runs it again).
   */
  onFailed?(payload: JobPayload<N>, error: Error): Promise<void>;
}

export type JobHandlers = { [N in JobName]: JobHandler<N> };

/** Where handlers put follow-up work: BullMQ (QueueJobScheduler) or this process (InlineJobScheduler). */
export interface JobScheduler {
  enqueue<N extends JobName>(
    name: N,
    payload: JobPayload<N>,
    opts?: { delayMs?: number; replaceFinished?: boolean },
  ): Promise<void>;
  /** Parent runs after every child completed; a child failing for good fails the parent. */
  addFlow<P extends JobName, C extends JobName>(
    parent: { name: P; payload: JobPayload<P> },
    children: { name: C; payload: JobPayload<C> }[],
    opts?: { replaceFinished?: boolean },
  ): Promise<void>;
}

export function jobIdOf<N extends JobName>(name: N, payload: JobPayload<N>): string {
  return (JOB_DEFINITIONS[name] as JobDefinition).jobId(payload);
}

export function checkPayload<N extends JobName>(name: N, data: unknown): JobPayload<N> {
  const schema = JOB_DEFINITIONS[name].payload;
  if (!Value.Check(schema, data)) {
    const first = Value.Errors(schema, data).First();
    throw new PermanentJobError(
      `job ${name} has a malformed payload${first ? ` at ${first.path || '/'}: ${first.message}` : ''}`,
    );
  }
  return data as JobPayload<N>;
}

type AnyHandler = JobHandler<JobName>;

/** Handlers checked against the table, and a processor per queue for the queue repository's workers. */
export interface WorkerSet {
  /** Queues that have at least one job. */
  readonly queues: readonly QueueName[];
  processor(queue: QueueName): ((job: QueueJob) => Promise<unknown>) | undefined;
  /** Runs a job's handler directly (the inline scheduler, and the stalled-job failure path). */
  run(name: string, data: unknown, job: JobRun): Promise<unknown>;
  /** Calls a job's onFailed hook, swallowing (and reporting) its own errors. */
  failed(name: string, data: unknown, error: Error): Promise<void>;
}

export interface WorkerSetOptions {
  /** A hook that itself failed, or a job whose payload cannot be read. */
  onHookError?: (name: string, err: unknown) => void;
}

/**
 * Pairs the job table with handlers. Throws at start-up when a job has no handler, or a handler
 * names a job that does not exist (a typo would otherwise go unnoticed until the job is dropped).
 */
export function createWorkerSet(
  handlers: Partial<Record<string, AnyHandler>>,
  opts: WorkerSetOptions = {},
): WorkerSet {
  const missing = JOB_NAMES.filter((n) => typeof handlers[n]?.run !== 'function');
  const unknown = Object.keys(handlers).filter((n) => !(n in JOB_DEFINITIONS));
  if (missing.length || unknown.length) {
    throw new Error(
      [
        missing.length ? `no handler for job(s) ${missing.join(', ')}` : '',
        unknown.length ? `handler(s) for unknown job(s) ${unknown.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join('; '),
    );
  }
  const handlerOf = (name: string): { name: JobName; handler: AnyHandler } => {
    if (!(name in JOB_DEFINITIONS)) throw new PermanentJobError(`unknown job '${name.slice(0, 100)}'`);
    return { name: name as JobName, handler: handlers[name] as AnyHandler };
  };
  const failed = async (name: string, data: unknown, error: Error): Promise<void> => {
    try {
      const { name: job, handler } = handlerOf(name);
      if (handler.onFailed) await handler.onFailed(checkPayload(job, data), error);
    } catch (err) {
      opts.onHookError?.(name, err);
    }
  };
  const run = async (name: string, data: unknown, job: JobRun): Promise<unknown> => {
    const { name: jobName, handler } = handlerOf(name);
    return handler.run(checkPayload(jobName, data), job);
  };
  const queues = QUEUE_NAMES.filter((q) => JOB_NAMES.some((n) => JOB_DEFINITIONS[n].queue === q));
  return {
    queues,
    run,
    failed,
    processor(queue) {
      if (!queues.includes(queue)) return undefined;
      return async (job: QueueJob) => {
        if (!(job.name in JOB_DEFINITIONS) || JOB_DEFINITIONS[job.name as JobName].queue !== queue) {
          throw new PermanentJobError(`job '${job.name.slice(0, 100)}' does not belong on queue '${queue}'`);
        }
        try {
          return await run(job.name, job.data, {
            id: job.id,
            attempt: job.attemptsMade + 1,
            attempts: job.attempts,
            signal: job.signal,
            progress: job.progress,
          });
        } catch (err) {
          const error = err instanceof Error ? err : new Error(errorMessage(err));
          const final = error instanceof PermanentJobError || job.attemptsMade + 1 >= job.attempts;
          // Not on shutdown: the job goes back to the queue, it has not failed.
          if (final && !job.signal.aborted) await failed(job.name, job.data, error);
          throw error;
        }
      };
    },
  };
}
