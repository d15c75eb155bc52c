/** Wiring for a running server (and the CLI commands that share its store): config in, app out. */
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import type { AppConfig } from '../common/app-config.js';
import { loadCategoryCodes } from '../cases/category-codes.js';
import { migrate } from '../repositories/database-migrations.js';
import { embeddedDataDir, openDatabase, type Database } from '../repositories/database-repository.js';
import { createObjectStorage } from '../storage/create-storage.js';
import { DispatchPoller } from '../dispatch/dispatch-poller.js';
import type { FlightQueue } from '../flights/flight-queue.js';
import type { QueueRepository } from '../repositories/queue-repository.js';
import { buildApp } from './app.js';
import { createServices, type AppServices } from './app-services.js';

/** Opens the configured store and brings its schema up to date; migrations never run twice. */
export async function openStore(config: AppConfig): Promise<{ db: Database; applied: string[] }> {
  const db = await openDatabase({
    url: config.databaseUrl,
    dataDir: config.databaseUrl ? undefined : embeddedDataDir(config.dataDir),
  });
  try {
    return { db, applied: await migrate(db) };
  } catch (err) {
    await db.close();
    throw err;
  }
}

export interface ApiRuntime {
  app: FastifyInstance;
  db: Database;
  services: AppServices;
  applied: string[];
  /** Stops accepting requests, lets running ones finish, then closes the store. */
  close(): Promise<void>;
}

export async function createApiRuntime(
  config: AppConfig,
  opts: {
    logger?: FastifyServerOptions['logger'];
    /** Where accepted flights go (BullMQ or in-process); they wait in 'queued' when omitted. */
    flightQueue?: FlightQueue | undefined;
    /** The Redis queues (producer role): dashboard, queue metrics, readiness; the caller closes it. */
    queues?: QueueRepository | undefined;
  } = {},
): Promise<ApiRuntime> {
  // Read the code table before touching the store, so a bad table fails fast and leaves nothing open.
  const codes = await loadCategoryCodes({ path: config.categoryCodesPath, regionCode: config.regionCode });
  const { db, applied } = await openStore(config);
  try {
    const services = createServices(db, {
      codes,
      storage: createObjectStorage(config),
      dataDir: config.dataDir,
      uploadMaxBytes: config.uploadMaxBytes,
      flightQueue: opts.flightQueue,
      queues: opts.queues,
    });
    const app = await buildApp(services, {
      corsOrigins: config.corsOrigins,
      rateLimitPerMinute: config.rateLimitPerMinute,
      logger: opts.logger,
    });
    // Embedded dispatch: due webhook deliveries are sent from this process. Queue workers may
    // share the work; deliveries are claimed with row locks, so none is sent twice at once.
    const poller = new DispatchPoller(services.dispatch, {
      onError: (err) => app.log.error({ err }, 'dispatch round failed'),
    });
    poller.start();
    return {
      app,
      db,
      services,
      applied,
      async close() {
        try {
          await poller.stop();
          await app.close();
        } finally {
          await db.close();
        }
      },
    };
  } catch (err) {
    await db.close();
    throw err;
  }
}
