/**
 * The BullMQ dashboard (bull-board) at /admin/queues, for admin keys only. It sees the queues
 * through the queue repository's `dashboardQueues`, so bullmq itself stays imported in one place.
 *
 * bull-board registers its own routes (UI, static files, JSON API) without our `config.auth`, so
 * this context marks every route it adds as admin-only before the auth hooks look at them, and
 * its error handler answers our domain errors (401, 403, 429, 503) as the rest of the API does.
 * Browsers cannot attach a Bearer header to a page load by themselves: an admin uses a
 * header-setting proxy or extension (see api/README.md); keys never go in URLs, which are logged.
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance } from 'fastify';
import type { DashboardQueue } from '../../repositories/queue-repository.js';
import type { ApiKeyService } from '../auth/api-key-service.js';
import { installAuth } from '../auth/auth-hooks.js';
import { ADMIN_ONLY } from '../auth/roles.js';
import { classify } from '../error-handler.js';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

type BoardErrorHandler = Parameters<FastifyAdapter['setErrorHandler']>[0];
type BoardStatus = ReturnType<BoardErrorHandler>['status'];
/** @bull-board/fastify pins its own copy of @bull-board/api: same shapes, separately declared types. */
type BoardServerAdapter = Parameters<typeof createBullBoard>[0]['serverAdapter'];

/** bull-board's adapter, with our error mapping in front of its own (which answers 500 to all). */
class GridwatchBoardAdapter extends FastifyAdapter {
  override setErrorHandler(handler: BoardErrorHandler): this {
    super.setErrorHandler((error) => {
      const known = classify(error);
      return known ? { status: known.status as BoardStatus, body: known.body } : handler(error);
    });
    return this;
  }
}

export async function installQueueDashboard(
  app: FastifyInstance,
  opts: { keys: ApiKeyService; queues: readonly DashboardQueue[]; requestsPerMinute: number },
): Promise<void> {
  await app.register(async (dash) => {
    // Runs before installAuth's onRoute hook (same context, added first): every route is admin's.
    dash.addHook('onRoute', (route) => {
      route.config = { ...(route.config ?? {}), auth: ADMIN_ONLY };
    });
    await installAuth(dash, { keys: opts.keys, requestsPerMinute: opts.requestsPerMinute });
    dash.addHook('onSend', async (_request, reply, payload) => {
      if (reply.statusCode === 401) void reply.header('www-authenticate', 'Bearer');
      // bull-board's React UI sets style attributes inline; only its admin pages get that
      // allowance, the review page keeps the strict policy. Its web font from Google stays blocked
      // (command centres are often offline) and falls back to a system font.
      const csp = reply.getHeader('content-security-policy');
      if (typeof csp === 'string') {
        void reply.header(
          'content-security-policy',
          csp.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"),
        );
      }
      return payload;
    });
    const board = new GridwatchBoardAdapter();
    board.setBasePath(QUEUE_DASHBOARD_PATH);
    createBullBoard({
      queues: opts.queues.map((q) => new BullMQAdapter(q)),
      serverAdapter: board as unknown as BoardServerAdapter,
      options: { uiConfig: { boardTitle: 'Gridwatch queues' } },
    });
    await dash.register(board.registerPlugin(), { prefix: QUEUE_DASHBOARD_PATH });
  });
}
