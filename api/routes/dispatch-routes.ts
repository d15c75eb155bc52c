/**
 * Dispatch: webhook subscribers (admin), deliveries and their dead letters, manual re-send, and
 * the inbound status callback from the departments that receive cases.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { DispatchService } from '../../dispatch/dispatch-service.js';
import { actorOf, type ApiKeyService } from '../auth/api-key-service.js';
import { ForbiddenError, UnauthorizedError } from '../auth/auth-errors.js';
import { ADMIN_ONLY, allows, type Role } from '../auth/roles.js';
import { describeRoute } from '../plugins/openapi-docs.js';
import { AUTHENTICATED_ERRORS, errorResponses } from '../schemas/common-schemas.js';
import {
  CallbackBodySchema,
  CallbackHeadersSchema,
  CallbackResultSchema,
  DeliveryDetailSchema,
  DeliveryPageSchema,
  DeliverySchema,
  IdParamsSchema,
  ListDeliveriesQuerySchema,
  SubscriberBodySchema,
  SubscriberListSchema,
  SubscriberReplaceBodySchema,
  SubscriberSchema,
  SubscriberWithSecretSchema,
} from '../schemas/dispatch-schemas.js';

/** Reading deliveries and re-sending them is dispatch operators' work. */
const DISPATCH_OPERATORS: readonly Role[] = ['dispatch'];
const CALLBACK_MAX_BYTES = 64 * 1024;
const BEARER = /^Bearer ([A-Za-z0-9_-]{1,200})$/;

/** Who signed a callback, once its signature checked out. */
const callbackActors = new WeakMap<FastifyRequest, string>();

function tooLarge(): Error {
  return Object.assign(new Error(`a callback body has at most ${CALLBACK_MAX_BYTES} bytes`), {
    statusCode: 413,
  });
}

export const dispatchRoutes: FastifyPluginAsyncTypebox<{
  dispatch: DispatchService;
  keys: ApiKeyService;
}> = async (app, { dispatch, keys }) => {
  app.get(
    '/dispatch/subscribers',
    {
      config: { auth: ADMIN_ONLY },
      schema: {
        ...describeRoute('dispatch', 'List webhook subscribers', ADMIN_ONLY),
        response: { 200: SubscriberListSchema, ...errorResponses(...AUTHENTICATED_ERRORS) },
      },
    },
    async () => ({ items: await dispatch.listSubscribers() }),
  );

  app.post(
    '/dispatch/subscribers',
    {
      config: { auth: ADMIN_ONLY },
      schema: {
        ...describeRoute(
          'dispatch',
          'Add a webhook subscriber (the secret is returned once); it also receives cases now waiting in confirmed',
          ADMIN_ONLY,
        ),
        body: SubscriberBodySchema,
        response: { 201: SubscriberWithSecretSchema, ...errorResponses(...AUTHENTICATED_ERRORS) },
      },
    },
    async (request, reply) => {
      const { eventTypes, ...rest } = request.body;
      const { subscriber, secret } = await dispatch.createSubscriber({
        ...rest,
        eventTypes: eventTypes ?? ['case.confirmed'],
      });
      return reply
        .code(201)
        .header('location', `/dispatch/subscribers/${subscriber.id}`)
        .send({ ...subscriber, secret });
    },
  );

  app.get(
    '/dispatch/subscribers/:id',
    {
      config: { auth: ADMIN_ONLY },
      schema: {
        ...describeRoute('dispatch', 'Get one subscriber', ADMIN_ONLY),
        params: IdParamsSchema,
        response: { 200: SubscriberSchema, ...errorResponses(...AUTHENTICATED_ERRORS, 404) },
      },
    },
    async (request) => dispatch.getSubscriber(request.params.id),
  );

  app.put(
    '/dispatch/subscribers/:id',
    {
      config: { auth: ADMIN_ONLY },
      schema: {
        ...describeRoute(
          'dispatch',
          "Replace a subscriber's settings (the secret is kept unless a new one is sent)",
          ADMIN_ONLY,
        ),
        params: IdParamsSchema,
        body: SubscriberReplaceBodySchema,
        response: { 200: SubscriberWithSecretSchema, ...errorResponses(...AUTHENTICATED_ERRORS, 404, 409) },
      },
    },
    async (request) => {
      const { version, eventTypes, ...rest } = request.body;
      const { subscriber, secret } = await dispatch.updateSubscriber(
        request.params.id,
        { ...rest, eventTypes: eventTypes ?? ['case.confirmed'] },
        version,
      );
      return { ...subscriber, ...(secret ? { secret } : {}) };
    },
  );

  app.delete(
    '/dispatch/subscribers/:id',
    {
      config: { auth: ADMIN_ONLY },
      schema: {
        ...describeRoute('dispatch', 'Remove a subscriber with its deliveries', ADMIN_ONLY),
        params: IdParamsSchema,
        response: {
          204: Type.Null({ description: 'Deleted' }),
          ...errorResponses(...AUTHENTICATED_ERRORS, 404),
        },
      },
    },
    async (request, reply) => {
      await dispatch.deleteSubscriber(request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/dispatch/deliveries',
    {
      config: { auth: DISPATCH_OPERATORS },
      schema: {
        ...describeRoute(
          'dispatch',
          'List deliveries, newest first (status=dead: the dead-letter list)',
          DISPATCH_OPERATORS,
        ),
        querystring: ListDeliveriesQuerySchema,
        response: { 200: DeliveryPageSchema, ...errorResponses(...AUTHENTICATED_ERRORS) },
      },
    },
    async (request) => {
      const { status, caseId, subscriberId, ...page } = request.query;
      return dispatch.listDeliveries({ status, caseId, subscriberId }, page);
    },
  );

  app.get(
    '/dispatch/deliveries/:id',
    {
      config: { auth: DISPATCH_OPERATORS },
      schema: {
        ...describeRoute('dispatch', 'One delivery with every attempt made', DISPATCH_OPERATORS),
        params: IdParamsSchema,
        response: { 200: DeliveryDetailSchema, ...errorResponses(...AUTHENTICATED_ERRORS, 404) },
      },
    },
    async (request) => dispatch.getDelivery(request.params.id),
  );

  app.post(
    '/dispatch/deliveries/:id/resend',
    {
      config: { auth: DISPATCH_OPERATORS },
      schema: {
        ...describeRoute(
          'dispatch',
          'Send again from a fresh schedule (same Idempotency-Key); 409 while an attempt is in flight',
          DISPATCH_OPERATORS,
        ),
        params: IdParamsSchema,
        response: { 202: DeliverySchema, ...errorResponses(...AUTHENTICATED_ERRORS, 404, 409) },
      },
    },
    async (request, reply) => reply.code(202).send(await dispatch.resend(request.params.id)),
  );

  /** A dispatch key, or a subscriber's signature over the raw bytes (not the parsed JSON). */
  async function authenticateCallback(request: FastifyRequest, raw: Buffer): Promise<void> {
    const authorization = request.headers.authorization;
    if (authorization !== undefined) {
      const match = BEARER.exec(authorization);
      const principal = match ? await keys.verify(match[1] as string) : null;
      if (!principal) throw new UnauthorizedError('the API key is not valid');
      if (!allows(DISPATCH_OPERATORS, principal.role)) {
        throw new ForbiddenError(`the ${principal.role} role may not report on dispatched cases`);
      }
      request.principal = principal;
      return;
    }
    const signature = request.headers['x-gridwatch-signature'];
    const subscriber = request.headers['x-gridwatch-subscriber'];
    if (typeof signature !== 'string' || typeof subscriber !== 'string') throw new UnauthorizedError();
    callbackActors.set(request, await dispatch.verifyCallback(subscriber, raw, signature));
  }

  app.post(
    '/dispatch/callback',
    {
      // Authenticated below: by a dispatch key, or by a subscriber's signature over the raw body.
      config: { auth: 'public' },
      schema: {
        tags: ['dispatch'],
        summary: 'A receiving department reports a case handled or closed',
        description:
          'Authenticate with `Authorization: Bearer <dispatch or admin key>`, or sign like our webhooks: ' +
          '`X-Gridwatch-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>` with ' +
          '`X-Gridwatch-Subscriber: <subscriber id>`. Repeating a callback is harmless.',
        security: [{ apiKey: [] }, {}],
        headers: CallbackHeadersSchema,
        body: CallbackBodySchema,
        response: { 200: CallbackResultSchema, ...errorResponses(...AUTHENTICATED_ERRORS, 404, 409, 413) },
      },
      // Authenticated before the body is parsed, so strangers get 401 whatever they send.
      preParsing: async (request, _reply, payload) => {
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of payload as AsyncIterable<Buffer | string>) {
          const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
          size += buf.length;
          if (size > CALLBACK_MAX_BYTES) throw tooLarge();
          chunks.push(buf);
        }
        const raw = Buffer.concat(chunks);
        await authenticateCallback(request, raw);
        const replay = Readable.from([raw]) as Readable & { receivedEncodedLength?: number };
        replay.receivedEncodedLength = raw.length;
        return replay;
      },
      // Requests without a body skip parsing; they must not slip past authentication.
      preValidation: async (request) => {
        if (!request.principal && !callbackActors.has(request))
          await authenticateCallback(request, Buffer.alloc(0));
      },
    },
    async (request) => {
      const actor = request.principal ? actorOf(request.principal) : (callbackActors.get(request) as string);
      const { reference, note, ...rest } = request.body;
      const fullNote = [note, reference ? `reference ${reference}` : undefined].filter(Boolean).join('; ');
      return dispatch.handleCallback({ ...rest, note: fullNote || undefined }, actor);
    },
  );
};
