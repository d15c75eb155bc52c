/**
 * The one place errors become HTTP responses, all shaped `{ error: { code, message, details? } }`.
 * Domain errors map to 4xx by their code; anything unexpected is logged and answered with a bare
 * 500, so internals (SQL, stack traces, paths) never reach a client.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { GridwatchError } from '../common/errors.js';

const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  INVALID_INPUT: 400,
  INVALID_CURSOR: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  VERSION_CONFLICT: 409,
  INVALID_TRANSITION: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  MEDIA_INVALID: 422,
  RATE_LIMITED: 429,
  QUEUE_UNAVAILABLE: 503,
};

/** Seconds a client should wait before retrying a request refused because Redis is down. */
export const QUEUE_RETRY_AFTER_SECONDS = 10;

/** Stable codes for the framework's own 4xx errors, whose FST_* codes are implementation details. */
const CODE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'BAD_REQUEST',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  431: 'HEADERS_TOO_LARGE',
};

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export function errorBody(code: string, message: string, details?: unknown): ErrorBody {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}

export function classify(err: FastifyError | Error): { status: number; body: ErrorBody } | undefined {
  if (err instanceof GridwatchError) {
    const status = STATUS_BY_CODE[err.code];
    if (status === undefined) return undefined;
    const details = 'details' in err ? err.details : undefined;
    return { status, body: errorBody(err.code, err.message, details) };
  }
  const fastifyError = err as FastifyError;
  if (fastifyError.validation) {
    return {
      status: 400,
      body: errorBody(
        'VALIDATION_FAILED',
        err.message,
        fastifyError.validation.map((v) => ({
          path: v.instancePath || '/',
          message: v.message ?? 'invalid',
        })),
      ),
    };
  }
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, body: errorBody(CODE_BY_STATUS[status] ?? 'CLIENT_ERROR', err.message) };
  }
  return undefined;
}

export function errorHandler(err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  const known = classify(err);
  if (!known) {
    request.log.error({ err }, 'unhandled error');
    void reply.code(500).send(errorBody('INTERNAL', 'internal error'));
    return;
  }
  if (known.status === 401) void reply.header('www-authenticate', 'Bearer');
  // Redis down is temporary: say when to come back rather than leave the client guessing.
  if (known.status === 503) void reply.header('retry-after', String(QUEUE_RETRY_AFTER_SECONDS));
  void reply.code(known.status).send(known.body);
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  void reply
    .code(404)
    .send(errorBody('NOT_FOUND', `no route ${request.method} ${request.url.slice(0, 200)}`));
}
