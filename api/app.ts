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
import { installOpenApi } from './plugins/openapi-docs.js';
import { installSecurityHeaders } from './plugins/security-headers.js';
import { caseRoutes } from './routes/case-routes.js';
import { operationsRoutes } from './routes/operations-routes.js';
import { sourceRoutes } from './routes/source-routes.js';

export interface AppOptions {
  corsOrigins?: string[];
  rateLimitPerMinute?: number;
  logger?: FastifyServerOptions['logger'];
  version?: string;
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
    await api.register(operationsRoutes, { db: services.db, metrics: services.metrics });
    await api.register(caseRoutes, { cases: services.cases });
    await api.register(sourceRoutes, { sources: services.sources });
  });

  return app;
}
