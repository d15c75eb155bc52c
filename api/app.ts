/**
 * The Fastify application, built from services and options and never listening by itself, so
 * tests drive it with inject() and `gridwatch serve` decides where it listens.
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppServices } from './app-services.js';
import { installAuth } from './auth/auth-hooks.js';
import { errorHandler, notFoundHandler } from './error-handler.js';
import { assertStorable } from './input-guard.js';
import { JsonBodyPool } from './json-body-pool.js';
import { installOpenApi } from './plugins/openapi-docs.js';
import { installQueueDashboard } from './plugins/queue-dashboard.js';
import { installSecurityHeaders } from './plugins/security-headers.js';
import { caseRoutes } from './routes/case-routes.js';
import { dispatchRoutes } from './routes/dispatch-routes.js';
import { eventRoutes } from './routes/event-routes.js';
import { exportRoutes } from './routes/export-routes.js';
import { flightRoutes } from './routes/flight-routes.js';
import { evidenceRoutes } from './routes/evidence-routes.js';
import { operationsRoutes } from './routes/operations-routes.js';
import { reviewRoutes } from './routes/review-routes.js';
import { sourceRoutes } from './routes/source-routes.js';
import { JOB_DEFINITIONS } from '../workers/job-registry.js';

/** The queues that carry jobs (`cameras` names a kind of worker, not a queue of jobs). */
const JOB_QUEUES = [...new Set(Object.values(JOB_DEFINITIONS).map((d) => d.queue))];

export interface AppOptions {
  corsOrigins?: string[];
  rateLimitPerMinute?: number;
  logger?: FastifyServerOptions['logger'];
  version?: string;
  /** Folder of the built review page (default dist/review); tests pass one they built. */
  reviewAssetsDir?: string;
  /** Interval of keep-alive comments on the live case stream (default 15 s). */
  streamHeartbeatMs?: number;
}

export async function buildApp(services: AppServices, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: 1024 * 1024,
    ajv: {
      // Unknown properties are refused rather than silently dropped: a misspelt field must not pass.
      customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  await installSecurityHeaders(app, { corsOrigins: options.corsOrigins ?? [] });
  await installOpenApi(app, { version: options.version ?? '0.1.0' });

  await app.register(async (api) => {
    await installAuth(api, { keys: services.keys, requestsPerMinute: options.rateLimitPerMinute ?? 600 });
    api.addHook('preValidation', async (request) => {
      assertStorable(request.params, 'the path');
      assertStorable(request.query, 'the query');
      assertStorable(request.body, 'the body');
    });
    await api.register(operationsRoutes, {
      db: services.db,
      metrics: services.metrics,
      queues: services.queues ? { repository: services.queues, names: JOB_QUEUES } : undefined,
    });
    await api.register(caseRoutes, { cases: services.cases, bodies: new JsonBodyPool() });
    await api.register(evidenceRoutes, { evidence: services.evidence });
    await api.register(sourceRoutes, { sources: services.sources });
    await api.register(reviewRoutes, {
      codes: services.codes,
      sources: services.sources,
      assetsDir: options.reviewAssetsDir,
    });
    await api.register(eventRoutes, { stream: services.caseStream, heartbeatMs: options.streamHeartbeatMs });
    await api.register(dispatchRoutes, { dispatch: services.dispatch, keys: services.keys });
    await api.register(flightRoutes, { flights: services.flights });
    await api.register(exportRoutes, { exports: services.exports });
  });
  // Only with Redis queues: an embedded server has nothing for the dashboard to show.
  if (services.queues) {
    await installQueueDashboard(app, {
      keys: services.keys,
      queues: services.queues.dashboardQueues(JOB_QUEUES),
      requestsPerMinute: options.rateLimitPerMinute ?? 600,
    });
  }

  return app;
}
