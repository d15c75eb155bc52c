/**
 * An API on a throw-away database with one key per role, for tests and local experiments. With
 * several instances they start concurrently on the same database, as replicas of a deployment do.
 */
import type { FastifyInstance } from 'fastify';
import { loadCategoryCodes } from '../cases/category-codes.js';
import { migrate } from '../repositories/database-migrations.js';
import type { Database } from '../repositories/database-repository.js';
import { openScratchDatabase, type ScratchDatabase } from '../repositories/database-scratch.js';
import type { ObjectStorage } from '../storage/object-storage.js';
import type { DispatchOptions } from '../dispatch/dispatch-service.js';
import type { FlightQueue } from '../flights/flight-queue.js';
import type { QueueRepository } from '../repositories/queue-repository.js';
import { buildApp, type AppOptions } from './app.js';
import { createServices, type AppServices } from './app-services.js';
import { ROLES, type Role } from './auth/roles.js';

export interface AppInstance {
  app: FastifyInstance;
  services: AppServices;
  /** Migrations this instance applied while starting. */
  applied: string[];
}

export interface AppHarness {
  scratch: ScratchDatabase;
  instances: AppInstance[];
  app: FastifyInstance;
  services: AppServices;
  /** A live key for each role. */
  keys: Record<Role, string>;
  auth(role: Role): { authorization: string };
  close(): Promise<void>;
}

export interface HarnessOptions extends AppOptions {
  instances?: number;
  regionCode?: string;
  /** Evidence store shared by the instances; in memory when omitted. */
  storage?: ObjectStorage;
  /** Where flight uploads go; a folder in the system temp dir when omitted. */
  dataDir?: string;
  uploadMaxBytes?: number;
  flightQueue?: FlightQueue;
  dispatch?: DispatchOptions;
  /** BullMQ queues (producer role): enables the dashboard, queue metrics and the Redis readiness check. */
  queues?: QueueRepository;
}

export async function startInstance(db: Database, opts: HarnessOptions = {}): Promise<AppInstance> {
  const applied = await migrate(db);
  const codes = await loadCategoryCodes({ regionCode: opts.regionCode });
  const services = createServices(db, {
    codes,
    storage: opts.storage,
    dataDir: opts.dataDir,
    uploadMaxBytes: opts.uploadMaxBytes,
    flightQueue: opts.flightQueue,
    dispatch: opts.dispatch,
    queues: opts.queues,
  });
  const app = await buildApp(services, { rateLimitPerMinute: 100_000, ...opts });
  return { app, services, applied };
}

export async function openAppHarness(
  kind: 'pglite' | 'postgres',
  url: string | undefined,
  opts: HarnessOptions = {},
): Promise<AppHarness> {
  const scratch = await openScratchDatabase(kind, url);
  const handles = [scratch.db];
  for (let i = 1; i < (opts.instances ?? 1); i++) handles.push(await scratch.openAnother());
  const instances = await Promise.all(handles.map((db) => startInstance(db, opts)));
  const first = instances[0] as AppInstance;
  const keys = {} as Record<Role, string>;
  for (const role of ROLES) keys[role] = (await first.services.keys.create(role, `test-${role}`)).key;
  return {
    scratch,
    instances,
    app: first.app,
    services: first.services,
    keys,
    auth: (role) => ({ authorization: `Bearer ${keys[role]}` }),
    async close() {
      await Promise.allSettled(instances.map((i) => i.app.close()));
      await scratch.dispose();
    },
  };
}
