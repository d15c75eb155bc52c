/**
 * A worker process's moving parts: one BullMQ worker per served queue (the job handlers of the
 * registry, `concurrency` jobs at once each), plus long-running services such as the camera
 * leases, all on one database, one set of services and one ONNX session per model.
 *
 * Extension point: a `WorkerService` (start/stop) handed in through `services` runs beside the
 * queue workers, started when one of its `queues` is served (always, when it names none), and
 * stopped first on close.
 *
 * Shutdown (SIGTERM): services stop (cameras store what they hold and release their leases), each
 * queue worker stops taking jobs and lets running ones finish; after the grace period the rest
 * are handed back to their queue for another worker. Then models, Redis and the database close.
 */
import type { AppServices } from '../api/app-services.js';
import { createServices } from '../api/app-services.js';
import { loadCategoryCodes } from '../cases/category-codes.js';
import type { AppConfig } from '../common/app-config.js';
import { errorMessage, InvalidInputError } from '../common/errors.js';
import { openStore } from '../api/api-runtime.js';
import { configuredModelChoice, PipelineModels } from '../pipeline/load-pipeline-models.js';
import type { PipelineLogger } from '../pipeline/pipeline-types.js';
import { FlightRunRepository } from '../repositories/database-flight-runs.js';
import type { Database } from '../repositories/database-repository.js';
import { QueueRepository, type WorkerHandle } from '../repositories/queue-repository.js';
import { createObjectStorage } from '../storage/create-storage.js';
import {
  createWorkerSet,
  QUEUE_NAMES,
  type JobScheduler,
  type QueueName,
  type WorkerSet,
} from './job-registry.js';
import { createJobHandlers, type FlightAnalysisDefaults } from './jobs/index.js';
import { QueueJobScheduler } from './queue-job-scheduler.js';
import { cameraWorkerService } from './camera-service.js';

export interface WorkerLogger extends PipelineLogger {
  error(message: string): void;
}

const silentWorkerLogger: WorkerLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** Long-running work hosted beside the queue workers (camera leases, pollers). */
export interface WorkerService {
  readonly name: string;
  /** Started only when one of these queues is served; omitted or empty: always. */
  readonly queues?: readonly QueueName[];
  start(): Promise<void>;
  /** Finish or hand back what it holds within `graceMs`. */
  stop(graceMs: number): Promise<void>;
}

/** What a service factory gets to build its services from. */
export interface WorkerContext {
  db: Database;
  services: AppServices;
  models: PipelineModels;
  jobs: JobScheduler;
  logger: WorkerLogger;
  /** The queues this process serves. */
  queues: readonly QueueName[];
}

export type WorkerServiceFactory = (ctx: WorkerContext) => WorkerService[];

export interface WorkerRuntimeOptions {
  db: Database;
  /** Built on `db` (createServices). */
  appServices: AppServices;
  models: PipelineModels;
  /** A queue repository with the 'worker' role; closed with the runtime. */
  queueRepository: QueueRepository;
  /** Queues to take jobs from (default all). */
  queues?: readonly QueueName[];
  concurrency: number;
  /** How long running jobs get to finish on close (default 30 s). */
  graceMs?: number;
  /** Job lock and stalled-job check (config queueLockMs, queueStalledIntervalMs); BullMQ defaults above. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  analysis?: FlightAnalysisDefaults;
  services?: WorkerServiceFactory;
  logger?: WorkerLogger;
  /** Close `db` and `models` with the runtime (a process that opened them for it). */
  ownsStore?: boolean;
}

export interface WorkerRuntime {
  readonly queues: readonly QueueName[];
  readonly context: WorkerContext;
  close(): Promise<void>;
}

/** Queue names from a comma-separated list; InvalidInputError naming any unknown one. */
export function parseQueueNames(list: string): QueueName[] {
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(QUEUE_NAMES as readonly string[]).includes(n));
  if (unknown.length || names.length === 0) {
    throw new InvalidInputError(
      `unknown queue(s) ${unknown.join(', ') || '(none given)'}; queues are ${QUEUE_NAMES.join(', ')}`,
    );
  }
  return [...new Set(names)] as QueueName[];
}

/** Handlers over the given services: the same set the inline scheduler runs in an embedded server. */
export function createFlightWorkerSet(
  ctx: Pick<WorkerContext, 'db' | 'services' | 'models' | 'jobs' | 'logger'>,
  analysis?: FlightAnalysisDefaults,
): WorkerSet {
  const s = ctx.services;
  return createWorkerSet(
    createJobHandlers({
      flights: s.flights,
      sources: s.sources,
      cases: s.cases,
      evidence: s.evidence,
      dispatch: s.dispatch,
      runs: new FlightRunRepository(ctx.db),
      models: ctx.models,
      jobs: ctx.jobs,
      logger: ctx.logger,
      analysis,
    }),
    {
      onHookError: (name, err) => ctx.logger.error(`job ${name}: failure hook failed: ${errorMessage(err)}`),
    },
  );
}

const STALLED = /stalled more than/i;

export async function startWorkerRuntime(opts: WorkerRuntimeOptions): Promise<WorkerRuntime> {
  const logger = opts.logger ?? silentWorkerLogger;
  const queues = opts.queues ?? QUEUE_NAMES;
  const graceMs = opts.graceMs ?? 30_000;
  const context: WorkerContext = {
    db: opts.db,
    services: opts.appServices,
    models: opts.models,
    jobs: new QueueJobScheduler(opts.queueRepository),
    logger,
    queues,
  };
  const handles: WorkerHandle[] = [];
  const started: WorkerService[] = [];

  const closeAll = async (): Promise<void> => {
    const results = await Promise.allSettled([
      ...started.map((s) => s.stop(graceMs)),
      ...handles.map((h) => h.close(graceMs)),
    ]);
    for (const r of results) {
      if (r.status === 'rejected') logger.error(`worker shutdown: ${errorMessage(r.reason)}`);
    }
    await opts.queueRepository.close();
    if (opts.ownsStore) {
      await opts.models.close();
      await opts.db.close();
    }
  };

  try {
    // Inside the try: a missing handler fails start-up, and what was opened is closed.
    const set = createFlightWorkerSet(context, opts.analysis);
    for (const queue of queues) {
      const processor = set.processor(queue);
      if (!processor) continue;
      handles.push(
        opts.queueRepository.createWorker(queue, processor, {
          concurrency: opts.concurrency,
          ...(opts.lockDurationMs ? { lockDurationMs: opts.lockDurationMs } : {}),
          ...(opts.stalledIntervalMs ? { stalledIntervalMs: opts.stalledIntervalMs } : {}),
          onError: (err) => logger.warn(`queue ${queue}: ${err.message}`),
          onFailed: (job, err, final) => {
            const what = job ? `${job.name} ${job.id}` : `a job on ${queue}`;
            if (final) logger.error(`${what} failed for good: ${err.message}`);
            else
              logger.warn(`${what} failed (attempt ${job?.attemptsMade ?? '?'}), will retry: ${err.message}`);
            // Failures the processor never saw (too many stalls) still fail the flight.
            if (final && job && STALLED.test(err.message)) void set.failed(job.name, job.data, err);
          },
        }),
      );
    }
    for (const service of opts.services ? opts.services(context) : []) {
      if (service.queues?.length && !service.queues.some((q) => queues.includes(q))) continue;
      await service.start();
      started.push(service);
      logger.info(`worker service ${service.name} started`);
    }
  } catch (err) {
    await closeAll();
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    queues,
    context,
    close: () => (closing ??= closeAll()),
  };
}

/**
 * A worker process from the configuration: opens the store (migrations first), the evidence
 * storage, the models and Redis. REDIS_URL is required.
 */
export async function startWorkerProcess(
  config: AppConfig,
  opts: {
    queues?: readonly QueueName[];
    concurrency?: number;
    graceMs?: number;
    services?: WorkerServiceFactory;
    logger?: WorkerLogger;
    /** An open store to share (serve: the API's); otherwise one is opened and closed with the runtime. */
    db?: Database;
    appServices?: AppServices;
  } = {},
): Promise<WorkerRuntime> {
  if (!config.redisUrl)
    throw new InvalidInputError('workers need REDIS_URL (redis://host:6379) to take jobs from');
  const logger = opts.logger ?? silentWorkerLogger;
  const codes = await loadCategoryCodes({ path: config.categoryCodesPath, regionCode: config.regionCode });
  const db = opts.db ?? (await openStore(config)).db;
  const models = new PipelineModels(configuredModelChoice(config), logger);
  const appServices =
    opts.appServices ??
    createServices(db, {
      codes,
      storage: createObjectStorage(config),
      dataDir: config.dataDir,
      uploadMaxBytes: config.uploadMaxBytes,
    });
  const queueRepository = new QueueRepository({
    url: config.redisUrl,
    prefix: config.queuePrefix,
    role: 'worker',
    logger,
  });
  try {
    const runtime = await startWorkerRuntime({
      db,
      appServices,
      models,
      queueRepository,
      concurrency: opts.concurrency ?? config.workerConcurrency,
      ...(opts.queues ? { queues: opts.queues } : {}),
      ...(opts.graceMs ? { graceMs: opts.graceMs } : {}),
      lockDurationMs: config.queueLockMs,
      stalledIntervalMs: config.queueStalledIntervalMs,
      // Live cameras beside the queue workers when the `cameras` queue is served (camera-service.ts).
      services: (ctx) => [
        ...(config.camerasPerWorker > 0
          ? [cameraWorkerService(ctx, { capacity: config.camerasPerWorker })]
          : []),
        ...(opts.services ? opts.services(ctx) : []),
      ],
      logger,
      ownsStore: !opts.db,
    });
    if (opts.db) {
      // The store is the caller's; the models are this runtime's.
      const close = runtime.close;
      return { ...runtime, close: async () => (await close(), await models.close()) };
    }
    return runtime;
  } catch (err) {
    // startWorkerRuntime closed Redis, and the store and models when it owned them.
    if (opts.db) await models.close();
    throw err;
  }
}
