/**
 * GET /cases/stream: server-sent events of new and changed cases. Authenticated by the usual
 * Bearer header (browsers read it with fetch streaming, so no key ever sits in a URL).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ServerResponse } from 'node:http';
import type { CaseStream, CaseStreamEvent } from '../../cases/case-stream.js';
import { CASE_READERS } from '../auth/roles.js';
import { errorBody } from '../error-handler.js';
import { describeRoute } from '../plugins/openapi-docs.js';
import { AUTHENTICATED_ERRORS, errorResponses } from '../schemas/common-schemas.js';
import {
  EVENT_STREAM_CONTENT_TYPE,
  EventStreamResponseSchema,
  StreamHeadersSchema,
} from '../schemas/event-schemas.js';

export interface EventRouteOptions {
  stream: CaseStream;
  /** Comment lines keep idle connections open through proxies. */
  heartbeatMs?: number | undefined;
  maxStreams?: number | undefined;
}

/** A client this far behind is dropped; it reconnects with Last-Event-ID and catches up. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

function frame(e: CaseStreamEvent): string {
  return `id: ${e.seq}\nevent: case\ndata: ${JSON.stringify({ kind: e.kind, case: e.case })}\n\n`;
}

function resetFrame(reason: string, seq?: number): string {
  return `${seq === undefined ? '' : `id: ${seq}\n`}event: reset\ndata: ${JSON.stringify({ reason })}\n\n`;
}

export const eventRoutes: FastifyPluginAsyncTypebox<EventRouteOptions> = async (app, opts) => {
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const maxStreams = opts.maxStreams ?? 1000;
  const open = new Set<() => void>();

  // Open streams never end by themselves; without this, shutting down would wait for them forever.
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });
  app.addHook('onClose', async () => {
    await opts.stream.close();
  });

  app.get(
    '/cases/stream',
    {
      config: { auth: CASE_READERS },
      schema: {
        ...describeRoute('cases', 'Live stream of new and changed cases (server-sent events)', CASE_READERS),
        headers: StreamHeadersSchema,
        response: { 200: EventStreamResponseSchema, ...errorResponses(...AUTHENTICATED_ERRORS, 503) },
      },
    },
    async (request, reply) => {
      if (open.size >= maxStreams) {
        return reply.code(503).send(errorBody('TOO_MANY_STREAMS', 'too many open streams; retry later'));
      }
      const lastHeader = request.headers['last-event-id'];
      const resumeFrom = lastHeader === undefined ? undefined : Number(lastHeader);

      type Item = CaseStreamEvent | { reset: string };
      // Events arriving while the replay is read wait here, so none falls between replay and live.
      let early: Item[] | undefined = [];
      // A change can arrive both in the replay and live; it is sent once.
      const replayed = new Set<number>();
      // Set once the response is taken over; events before that wait in `early`.
      const conn: { raw?: ServerResponse; heartbeat?: NodeJS.Timeout; ended: boolean } = { ended: false };
      const write = (text: string): void => {
        const raw = conn.raw;
        if (conn.ended || !raw) return;
        raw.write(text);
        if (raw.writableLength > MAX_BUFFERED_BYTES) end();
      };
      const send = (item: Item): void => {
        if ('reset' in item) write(resetFrame(item.reset));
        else if (!replayed.has(item.seq)) write(frame(item));
      };
      const deliver = (item: Item): void => {
        if (early) early.push(item);
        else send(item);
      };
      const unsubscribe = await opts.stream.subscribe({
        event: deliver,
        reset: (reason) => deliver({ reset: reason }),
      });
      function end(): void {
        if (conn.ended) return;
        conn.ended = true;
        clearInterval(conn.heartbeat);
        unsubscribe();
        open.delete(end);
        conn.raw?.end();
      }
      open.add(end);

      let replay;
      try {
        replay = resumeFrom === undefined ? undefined : await opts.stream.replaySince(resumeFrom);
      } catch (err) {
        end();
        throw err;
      }
      if (conn.ended) return reply.code(503).send(errorBody('SHUTTING_DOWN', 'the server is shutting down'));

      reply.hijack();
      const raw = reply.raw;
      conn.raw = raw;
      const headers: Record<string, string | number | string[]> = {};
      for (const [name, value] of Object.entries(reply.getHeaders())) {
        if (value !== undefined) headers[name] = value;
      }
      raw.writeHead(200, {
        ...headers,
        'content-type': `${EVENT_STREAM_CONTENT_TYPE}; charset=utf-8`,
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        // nginx buffers proxied responses unless told not to.
        'x-accel-buffering': 'no',
      });
      raw.on('close', end);
      raw.on('error', end);
      request.raw.socket?.setNoDelay(true);

      write('retry: 3000\n\n');
      if (replay && !replay.complete) {
        write(resetFrame('more changed than a stream replays; reload', replay.latestSeq));
      }
      for (const e of replay?.events ?? []) {
        write(frame(e));
        replayed.add(e.seq);
      }
      const buffered = early;
      early = undefined;
      for (const item of buffered) send(item);
      conn.heartbeat = setInterval(() => write(': keep-alive\n\n'), heartbeatMs);
      conn.heartbeat.unref();
      if (raw.destroyed) end();
      return reply;
    },
  );
};
