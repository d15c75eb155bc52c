/** Liveness, readiness and Prometheus metrics. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { CaseMetrics } from '../../cases/case-metrics.js';
import type { Database } from '../../repositories/database-repository.js';
import type { QueueRepository } from '../../repositories/queue-repository.js';
import { ADMIN_ONLY } from '../auth/roles.js';
import { errorBody } from '../error-handler.js';
import { PROMETHEUS_CONTENT_TYPE } from '../metrics/prometheus-text.js';
import { renderCaseMetrics } from '../metrics/case-metrics-text.js';
import { renderQueueMetrics } from '../metrics/queue-metrics-text.js';
import { describeRoute } from '../plugins/openapi-docs.js';
import { AUTHENTICATED_ERRORS, errorResponses } from '../schemas/common-schemas.js';

const StatusSchema = Type.Object({ status: Type.String() });

export interface OperationsOptions {
  db: Database;
  metrics: CaseMetrics;
  /** The job queues (REDIS_URL set): readiness checks Redis, /metrics reports the queues. */
  queues?: { repository: QueueRepository; names: readonly string[] } | undefined;
}

export const operationsRoutes: FastifyPluginAsyncTypebox<OperationsOptions> = async (
  app,
  { db, metrics, queues },
) => {
  // Probes are polled every few seconds by orchestrators; they are exempt from the rate limit.
  app.get(
    '/health',
    {
      config: { auth: 'public', rateLimit: false },
      schema: {
        ...describeRoute('operations', 'Liveness: the process is serving', 'public'),
        response: { 200: StatusSchema },
      },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/ready',
    {
      config: { auth: 'public', rateLimit: false },
      schema: {
        ...describeRoute('operations', 'Readiness: the database (and Redis, with queues) answers', 'public'),
        response: { 200: StatusSchema, ...errorResponses(503) },
      },
    },
    async (request, reply) => {
      try {
        await db.query('SELECT 1');
      } catch (err) {
        request.log.warn({ err }, 'readiness check failed');
        return reply.code(503).send(errorBody('NOT_READY', 'the database is not reachable'));
      }
      if (queues) {
        try {
          await queues.repository.ping();
        } catch (err) {
          request.log.warn({ err }, 'readiness check failed');
          return reply
            .code(503)
            .send(
              errorBody('NOT_READY', 'the job queue (Redis) is not reachable; uploads are refused with 503'),
            );
        }
      }
      return { status: 'ready' };
    },
  );

  app.get(
    '/metrics',
    {
      config: { auth: ADMIN_ONLY },
      schema: {
        ...describeRoute('operations', 'Prometheus metrics (text format)', ADMIN_ONLY),
        response: {
          200: {
            description: 'Prometheus text exposition format',
            content: { [PROMETHEUS_CONTENT_TYPE]: { schema: Type.String() } },
          },
          ...errorResponses(...AUTHENTICATED_ERRORS),
        },
      },
    },
    async (request, reply) => {
      let text = renderCaseMetrics(await metrics.snapshot());
      if (queues) {
        // Redis down must not fail the scrape: it shows as gridwatch_queue_up 0.
        const entries = await queues.repository.metrics(queues.names).catch((err: unknown) => {
          request.log.warn({ err }, 'queue metrics unavailable');
          return undefined;
        });
        text += renderQueueMetrics(entries);
      }
      return reply.type(PROMETHEUS_CONTENT_TYPE).send(text);
    },
  );
};
