import { parseArgs } from 'node:util';
import { InvalidInputError } from '../../common/errors.js';
import { QUEUE_NAMES } from '../../workers/job-registry.js';
import { parseQueueNames, startWorkerProcess } from '../../workers/worker-runtime.js';
import { UsageError, type Command } from '../command.js';
import { workerLogger } from './http-server.js';
import { shutdownSignal } from './process-signals.js';

const usage = `gridwatch worker [--queues <list>] [--concurrency <n>] [--grace <seconds>]

Takes jobs from the BullMQ queues in Redis (REDIS_URL, keys prefixed GRIDWATCH_QUEUE_PREFIX):
flight ingest, segment analysis, aggregation into cases, evidence rendering, webhook delivery.
Start as many as the machines allow; they share PostgreSQL (DATABASE_URL) and the evidence store.
The detector is GRIDWATCH_DETECTOR_MODEL (a models/ name or manifest, with
GRIDWATCH_DETECTOR_WEIGHTS), one ONNX session per process with GRIDWATCH_ORT_THREADS threads
(default: cores / concurrency).

On SIGINT or SIGTERM it stops taking jobs, lets running ones finish for the grace period, hands
the rest back to the queue for another worker, and closes the store.

Options:
  --queues <list>     comma-separated, of ${QUEUE_NAMES.join(', ')} (default: all)
  --concurrency <n>   jobs at once per queue (default: GRIDWATCH_WORKER_CONCURRENCY or 1)
  --grace <seconds>   how long running jobs may take to finish on shutdown (default 30)
  --verbose           job details on stderr`;

export const workerCommand: Command = {
  name: 'worker',
  summary: 'process queued jobs (flights, segments, evidence, dispatch) from Redis',
  usage,
  async run(args, { config, io }) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        queues: { type: 'string' },
        concurrency: { type: 'string' },
        grace: { type: 'string' },
        verbose: { type: 'boolean', default: false },
      },
    });
    if (positionals.length > 0) throw new UsageError('worker takes no positional arguments');
    const concurrency =
      values.concurrency === undefined ? config.workerConcurrency : Number(values.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
      throw new UsageError('--concurrency must be an integer from 1 to 64');
    }
    const grace = values.grace === undefined ? 30 : Number(values.grace);
    if (!Number.isFinite(grace) || grace < 0 || grace > 3600)
      throw new UsageError('--grace must be 0-3600 seconds');
    let queues;
    try {
      queues = values.queues === undefined ? undefined : parseQueueNames(values.queues);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    if (!config.redisUrl) {
      throw new InvalidInputError(
        'gridwatch worker needs REDIS_URL (e.g. redis://127.0.0.1:6379) to take jobs from',
      );
    }
    const logger = workerLogger(io, values.verbose);
    const runtime = await startWorkerProcess(config, {
      ...(queues ? { queues } : {}),
      concurrency,
      graceMs: grace * 1000,
      logger,
    });
    try {
      // Load the detector now, so a worker that cannot analyse says so at start, not at the first flight.
      if (runtime.queues.includes('segments')) await runtime.context.models.detector();
    } catch (err) {
      await runtime.close();
      throw err;
    }
    io.err(
      `gridwatch worker on ${runtime.queues.join(', ')} (concurrency ${concurrency}, ${config.ortThreads} ORT thread(s), prefix ${config.queuePrefix})`,
    );
    const signal = await shutdownSignal();
    io.err(`${signal}: finishing running jobs (up to ${grace} s), then shutting down`);
    await runtime.close();
    return 0;
  },
};
