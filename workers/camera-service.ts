/**
 * The live-camera part of a worker process, as a start/stop service the worker runtime hosts:
 * the lease manager takes this worker's share of the enabled RTSP cameras, and each leased
 * camera runs `runCamera` until the lease is lost or the worker stops. stop() lets every camera
 * store the batch in hand, then hands the leases back, so a rolling restart loses nothing and
 * another worker picks the cameras up at its next poll instead of after the lease runs out.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { EvidenceService } from '../evidence/evidence-service.js';
import { silentPipelineLogger, type PipelineLogger } from '../pipeline/pipeline-types.js';
import type { CaseSink } from '../pipeline/run-video-pipeline.js';
import { CameraLeaseRepository, type CameraLease } from '../repositories/database-camera-leases.js';
import type { Database } from '../repositories/database-repository.js';
import { SourceRepository } from '../repositories/database-sources.js';
import {
  CameraLeaseManager,
  type CameraLeaseEvent,
  type CameraLeaseManagerOptions,
} from './camera-lease-manager.js';
import { runCamera, type CameraBatch, type CameraModels, type CameraRunnerOptions } from './camera-runner.js';
import type { WorkerContext, WorkerService } from './worker-runtime.js';

export interface CameraServiceDeps {
  db: Database;
  /** Where candidate cases go (CaseService). */
  cases: CaseSink;
  /** The process's models (PipelineModels): one ONNX session per model, shared by all its cameras. */
  models: CameraModels;
  /** Evidence of new cases, rendered from each camera's recent frames. */
  evidence?: Pick<EvidenceService, 'renderForViolation'> | undefined;
  logger?: PipelineLogger | undefined;
  onLease?: ((event: CameraLeaseEvent) => void) | undefined;
  onBatch?: ((batch: CameraBatch) => void) | undefined;
}

export interface CameraServiceOptions
  extends CameraRunnerOptions, Omit<CameraLeaseManagerOptions, 'owner' | 'logger' | 'onChange'> {
  /** Lease owner name; default `<host>:<pid>:<random>`. */
  owner?: string;
}

export function defaultLeaseOwner(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

export class CameraService {
  readonly owner: string;
  private readonly manager: CameraLeaseManager;

  constructor(deps: CameraServiceDeps, options: CameraServiceOptions) {
    const logger = deps.logger ?? silentPipelineLogger;
    const leases = new CameraLeaseRepository(deps.db);
    const sources = new SourceRepository(deps.db);
    this.owner = options.owner ?? defaultLeaseOwner();
    const { capacity, ttlMs, renewEveryMs, pollEveryMs, retryFailedAfterMs, ...runner } = options;
    const task = (lease: CameraLease, signal: AbortSignal): Promise<void> =>
      runCamera(
        lease,
        signal,
        {
          sources,
          leases,
          cases: deps.cases,
          models: deps.models,
          evidence: deps.evidence,
          logger,
          onBatch: deps.onBatch,
        },
        runner,
      );
    this.manager = new CameraLeaseManager(leases, task, {
      owner: this.owner,
      capacity,
      ...(ttlMs === undefined ? {} : { ttlMs }),
      ...(renewEveryMs === undefined ? {} : { renewEveryMs }),
      ...(pollEveryMs === undefined ? {} : { pollEveryMs }),
      ...(retryFailedAfterMs === undefined ? {} : { retryFailedAfterMs }),
      logger,
      ...(deps.onLease ? { onChange: deps.onLease } : {}),
    });
  }

  /** Takes the first free cameras, then keeps polling for more and renewing what it holds. */
  start(): Promise<void> {
    return this.manager.start();
  }

  /** Stores each camera's batch in hand, releases the leases; the database stays open (caller's). */
  stop(): Promise<void> {
    return this.manager.stop();
  }

  leases(): CameraLease[] {
    return this.manager.leases();
  }
}

/**
 * The camera service as the worker runtime hosts it: started when the `cameras` queue is served
 * (there are no camera jobs; the name only selects the work), on the process's store, case
 * service and models. The embedded `gridwatch serve` hosts it the same way, without queues. On stop it waits at most `graceMs` for the cameras to store their batch;
 * a lease not handed back by then runs out by itself.
 */
export function cameraWorkerService(
  ctx: Pick<WorkerContext, 'db' | 'services' | 'models' | 'logger'>,
  options: CameraServiceOptions,
): WorkerService {
  const service = new CameraService(
    {
      db: ctx.db,
      cases: ctx.services.cases,
      evidence: ctx.services.evidence,
      models: ctx.models,
      logger: ctx.logger,
    },
    options,
  );
  return {
    name: 'cameras',
    queues: ['cameras'],
    start: () => service.start(),
    async stop(graceMs: number) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
      try {
        await Promise.race([service.stop(), late]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
