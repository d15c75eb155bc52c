/** Builds the services the API serves from one open database. */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseCaseChangeBus } from '../cases/case-change-bus.js';
import { CaseMetrics } from '../cases/case-metrics.js';
import { CaseService } from '../cases/case-service.js';
import { CaseStream } from '../cases/case-stream.js';
import type { CategoryCodes } from '../cases/category-codes.js';
import { validateWithPipeline } from '../cases/pipeline-source-validator.js';
import { SourceService, type SourceValidator } from '../cases/source-service.js';
import type { Database } from '../repositories/database-repository.js';
import type { QueueRepository } from '../repositories/queue-repository.js';
import { EvidenceService } from '../evidence/evidence-service.js';
import { MemoryObjectStorage } from '../storage/memory-storage.js';
import type { ObjectStorage } from '../storage/object-storage.js';
import { DispatchService, type DispatchOptions } from '../dispatch/dispatch-service.js';
import { DatasetExportService, EvidenceSamples } from '../export/dataset-export.js';
import type { FlightQueue } from '../flights/flight-queue.js';
import { FlightService } from '../flights/flight-service.js';
import { ApiKeyService } from './auth/api-key-service.js';

export interface AppServices {
  db: Database;
  /** The category code table in force (names and codes the review page shows). */
  codes: CategoryCodes;
  cases: CaseService;
  sources: SourceService;
  keys: ApiKeyService;
  metrics: CaseMetrics;
  evidence: EvidenceService;
  /** Live case changes for the SSE stream; holds a LISTEN connection once someone subscribes. */
  caseStream: CaseStream;
  dispatch: DispatchService;
  flights: FlightService;
  exports: DatasetExportService;
  /** The BullMQ queues (a producer connection) when REDIS_URL is set: dashboard, metrics, readiness. */
  queues?: QueueRepository | undefined;
}

export function createServices(
  db: Database,
  opts: {
    codes: CategoryCodes;
    validateSource?: SourceValidator | undefined;
    /** Where evidence files live; in memory when omitted (tests), the configured store in a server. */
    storage?: ObjectStorage | undefined;
    /** GRIDWATCH_DATA_DIR; flight uploads go under it (a folder in the system temp dir when omitted). */
    dataDir?: string | undefined;
    /** Largest flight video accepted, bytes. */
    uploadMaxBytes?: number | undefined;
    /** Where accepted flights go; they stay queued for a worker when omitted. */
    flightQueue?: FlightQueue | undefined;
    dispatch?: DispatchOptions | undefined;
    /** The job queues (producer role), when there are any. */
    queues?: QueueRepository | undefined;
  },
): AppServices {
  const cases = new CaseService(db, opts.codes);
  const evidence = new EvidenceService(db, opts.storage ?? new MemoryObjectStorage());
  return {
    db,
    codes: opts.codes,
    cases,
    sources: new SourceService(db, opts.validateSource ?? validateWithPipeline),
    keys: new ApiKeyService(db),
    metrics: new CaseMetrics(db),
    evidence,
    caseStream: new CaseStream(db, new DatabaseCaseChangeBus(db)),
    dispatch: new DispatchService(db, cases, opts.dispatch),
    flights: new FlightService(db, {
      dataDir: opts.dataDir ?? join(tmpdir(), 'gridwatch-scratch-data'),
      maxVideoBytes: opts.uploadMaxBytes,
      queue: opts.flightQueue,
    }),
    exports: new DatasetExportService(db, new EvidenceSamples(evidence)),
    queues: opts.queues,
  };
}
