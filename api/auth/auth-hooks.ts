/**
 * Authentication, rate limiting and authorisation, in that order, for every route of the context
 * they are installed in:
 *  1. onRequest (context): find the key's principal; never rejects, so that
 *  2. the rate limiter can count by key, or by client address for requests without a valid key
 *     (which throttles key guessing), and only then
 *  3. onRequest (route, appended after the limiter): reject with 401 or 403.
 * Rejecting before the body is parsed keeps unauthenticated clients from making us parse it.
 * Every route must declare `config.auth`; a route without one fails start-up instead of being open.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { ApiKeyService, Principal } from './api-key-service.js';
import { ForbiddenError, RateLimitedError, UnauthorizedError } from './auth-errors.js';
import { allows, type Role, type RouteAuth } from './roles.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: RouteAuth;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

const BEARER = /^Bearer ([A-Za-z0-9_-]{1,200})$/;

function authorize(roles: readonly Role[]): onRequestAsyncHookHandler {
  return async (request) => {
    const principal = request.principal;
    if (!principal) {
      throw new UnauthorizedError(
        request.headers.authorization === undefined ? undefined : 'the API key is not valid',
      );
    }
    if (!allows(roles, principal.role)) {
      throw new ForbiddenError(
        `the ${principal.role} role may not do this; allowed: ${['admin', ...roles].join(', ')}`,
      );
    }
  };
}

export async function installAuth(
  api: FastifyInstance,
  opts: { keys: ApiKeyService; requestsPerMinute: number },
): Promise<void> {
  api.decorateRequest('principal', null);
  api.addHook('onClose', async () => {
    await opts.keys.close();
  });

  api.addHook('onRequest', async (request) => {
    const auth = request.routeOptions.config.auth;
    if (auth === undefined || auth === 'public') return;
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? BEARER.exec(header) : null;
    if (match) request.principal = await opts.keys.verify(match[1] as string);
  });

  await api.register(rateLimit, {
    max: opts.requestsPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => (request.principal ? `key:${request.principal.prefix}` : `ip:${request.ip}`),
    errorResponseBuilder: (_request, context) => new RateLimitedError(context.after),
  });

  api.addHook('onRoute', (route) => {
    const auth = route.config?.auth;
    if (auth === undefined)
      throw new Error(`route ${String(route.method)} ${route.url} declares no config.auth`);
    if (auth === 'public') return;
    const hook = authorize(auth);
    const existing = route.onRequest;
    route.onRequest =
      existing === undefined ? [hook] : [...(Array.isArray(existing) ? existing : [existing]), hook];
  });
}
