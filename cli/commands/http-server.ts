/**
 * The HTTP API as `gridwatch serve` and `gridwatch api` run it. With REDIS_URL, accepted flights
 * go to the BullMQ queues (and `serve` also runs the workers in this process); without it, `serve`
 * analyses flights in this process, one job at a time, and `api` leaves them queued.
 */
import { parseArgs } from 'node:util';
import { createApiRuntime } from '../../api/api-runtime.js';
import type { AppConfig } from '../../common/app-config.js';
import { errorMessage } from '../../common/errors.js';
import { JobFlightQueue } from '../../flights/job-flight-queue.js';
import { QueuedFlightSweep } from '../../flights/queued-flight-sweep.js';
import { configuredModelChoice, PipelineModels } from '../../pipeline/load-pipeline-models.js';
import { QueueRepository } from '../../repositories/queue-repository.js';
import { cameraWorkerService } from '../../workers/camera-service.js';
import { InlineJobScheduler } from '../../workers/inline-job-scheduler.js';
import { QueueJobScheduler } from '../../workers/queue-job-scheduler.js';
import {
  createFlightWorkerSet,
  startWorkerProcess,
  type WorkerLogger,
  type WorkerRuntime,
} from '../../workers/worker-runtime.js';
import { portOption, UsageError, type CommandIo } from '../command.js';
import { shutdownSignal } from './process-signals.js';

/** Requests still running after this long are cut off, so a hung client cannot block shutdown. */
const SHUTDOWN_GRACE_MS = 10_000;
/** Queued flights an embedded server picks up again at start (left by a stop or a crash). */
const RESUME_LIMIT = 200;

export function workerLogger(io: CommandIo, verbose = false): WorkerLogger {
  return {
    debug: (m) => {
      if (verbose) io.err(m);
    },
    info: (m) => io.err(m),
    warn: (m) => io.err(`warning: ${m}`),
    error: (m) => io.err(`error: ${m}`),
  };
}

export async function runHttpServer(
  mode: 'serve' | 'api',
  args: string[],
  { config, io }: { config: AppConfig; io: CommandIo },
  /** Called once the server listens, with its base URL (the demo prints the review page's). */
  onListening?: (baseUrl: string) => void,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { port: { type: 'string' }, host: { type: 'string' } },
  });
  if (positionals.length > 0) throw new UsageError(`${mode} takes no positional arguments`);
  const port = portOption(values.port, config.port);
  const host = values.host ?? config.host;
  const logger = workerLogger(io);

  const closers: (() => Promise<void>)[] = [];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.reverse()) {
      await close().catch((err: unknown) => io.err(`shutdown: ${errorMessage(err)}`));
    }
  };
  let producer: QueueRepository | undefined;
  let inline: InlineJobScheduler | undefined;
  let flightQueue: JobFlightQueue | undefined;
  if (config.redisUrl) {
    producer = new QueueRepository({
      url: config.redisUrl,
      prefix: config.queuePrefix,
      role: 'producer',
      logger,
    });
    closers.push(() => (producer as QueueRepository).close());
    flightQueue = new JobFlightQueue(new QueueJobScheduler(producer));
  } else if (mode === 'serve') {
    inline = new InlineJobScheduler({
      onError: (id, err) => logger.warn(`job ${id}: ${errorMessage(err)}`),
    });
    flightQueue = new JobFlightQueue(inline);
  }

  let workers: WorkerRuntime | undefined;
  try {
    const runtime = await createApiRuntime(config, {
      logger: { level: 'info' },
      flightQueue,
      queues: producer,
    });
    closers.push(() => runtime.close());
    if (runtime.applied.length > 0) io.err(`applied migrations: ${runtime.applied.join(', ')}`);
    let work = 'flights wait in the queue for `gridwatch serve` or workers';
    if (mode === 'serve' && config.redisUrl) {
      workers = await startWorkerProcess(config, {
        db: runtime.db,
        appServices: runtime.services,
        logger,
      });
      closers.push(() => (workers as WorkerRuntime).close());
      work = `workers on ${workers.queues.join(', ')} (Redis)`;
    } else if (inline) {
      const models = new PipelineModels(configuredModelChoice(config), logger);
      closers.push(() => models.close());
      closers.push(() => (inline as InlineJobScheduler).close());
      inline.bind(
        createFlightWorkerSet({ db: runtime.db, services: runtime.services, models, jobs: inline, logger }),
      );
      const left = await runtime.services.flights.list(
        { statuses: ['queued', 'processing'] },
        { limit: RESUME_LIMIT },
      );
      for (const f of left.items.reverse()) await flightQueue?.enqueue(f.id);
      work = 'flights analysed in this process';
      if (config.camerasPerWorker > 0) {
        // Camera leases live in the database, not Redis, so the embedded server runs cameras too.
        const cameras = cameraWorkerService(
          { db: runtime.db, services: runtime.services, models, logger },
          { capacity: config.camerasPerWorker },
        );
        await cameras.start();
        closers.push(() => cameras.stop(SHUTDOWN_GRACE_MS));
        work += `, up to ${config.camerasPerWorker} live cameras`;
      }
    } else if (producer) {
      work = 'flights go to the Redis queues';
    }
    if (producer) {
      // Flights refused with 503 while Redis was down stay 'queued'; this hands them over once it is back.
      const sweep = new QueuedFlightSweep(runtime.services.flights, {
        onSwept: (n) => logger.info(`re-enqueued ${n} queued flight(s)`),
        onError: (m) => logger.warn(m),
      });
      sweep.start();
      closers.push(() => sweep.stop());
    }
    await runtime.app.listen({ port, host });
    const address = runtime.app.server.address();
    const shown =
      typeof address === 'object' && address ? `${address.address}:${address.port}` : `${host}:${port}`;
    onListening?.(`http://${shown}`);
    io.err(
      `gridwatch API listening on http://${shown} (${runtime.db.kind === 'pglite' ? 'embedded store' : 'PostgreSQL'}; ${work})`,
    );

    const signal = await shutdownSignal();
    io.err(`${signal}: shutting down`);
    const timer = setTimeout(() => runtime.app.server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    try {
      await closeAll();
    } finally {
      clearTimeout(timer);
    }
    return 0;
  } catch (err) {
    await closeAll();
    throw err;
  }
}
