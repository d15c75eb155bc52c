/**
 * Case listing, details, audit trail and review decisions. Lists and details send the JSON the
 * database rendered (CaseRepository.listJson); the response schemas still document them, and a
 * test holds that JSON to the schema and to what the decision routes serialise.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { CaseService } from '../../cases/case-service.js';
import type { JsonBodyPool } from '../json-body-pool.js';
import { actorOf } from '../auth/api-key-service.js';
import { CASE_DECIDERS, CASE_READERS } from '../auth/roles.js';
import { describeRoute } from '../plugins/openapi-docs.js';
import {
  CaseEventListSchema,
  CasePageSchema,
  CaseSchema,
  ConfirmBodySchema,
  ListCasesQuerySchema,
  RejectBodySchema,
} from '../schemas/case-schemas.js';
import { AUTHENTICATED_ERRORS, errorResponses, UuidParamsSchema } from '../schemas/common-schemas.js';
import { filtersFromQuery } from './case-query.js';

/** Fastify sends a string or buffer with a JSON content type as it is, skipping the response serialiser. */
const JSON_TEXT = 'application/json; charset=utf-8';

export const caseRoutes: FastifyPluginAsyncTypebox<{ cases: CaseService; bodies: JsonBodyPool }> = async (
  app,
  { cases, bodies },
) => {
  app.get(
    '/cases',
    {
      config: { auth: CASE_READERS },
      schema: {
        ...describeRoute('cases', 'List cases, newest first', CASE_READERS),
        querystring: ListCasesQuerySchema,
        response: { 200: CasePageSchema, ...errorResponses(...AUTHENTICATED_ERRORS) },
      },
    },
    async (request, reply) => {
      const page = await cases.listJson(filtersFromQuery(request.query), request.query);
      const body = bodies.assemble(
        '{"items":[',
        page.items,
        ',',
        `],"nextCursor":${JSON.stringify(page.nextCursor)}}`,
      );
      bodies.releaseAfter(reply.raw, body);
      return reply.type(JSON_TEXT).send(body as never);
    },
  );

  app.get(
    '/cases/:id',
    {
      config: { auth: CASE_READERS },
      schema: {
        ...describeRoute('cases', 'Get one case', CASE_READERS),
        params: UuidParamsSchema,
        response: { 200: CaseSchema, ...errorResponses(...AUTHENTICATED_ERRORS, 404) },
      },
    },
    async (request, reply) => reply.type(JSON_TEXT).send((await cases.getJson(request.params.id)) as never),
  );

  app.get(
    '/cases/:id/events',
    {
      config: { auth: CASE_READERS },
      schema: {
        ...describeRoute('cases', "A case's audit trail, oldest first", CASE_READERS),
        params: UuidParamsSchema,
        response: { 200: CaseEventListSchema, ...errorResponses(...AUTHENTICATED_ERRORS, 404) },
      },
    },
    async (request) => ({ items: await cases.events(request.params.id) }),
  );

  app.post(
    '/cases/:id/confirm',
    {
      config: { auth: CASE_DECIDERS },
      schema: {
        ...describeRoute(
          'cases',
          'Confirm a candidate (optionally correcting type, code, description)',
          CASE_DECIDERS,
        ),
        params: UuidParamsSchema,
        body: ConfirmBodySchema,
        response: { 200: CaseSchema, ...errorResponses(...AUTHENTICATED_ERRORS, 404, 409) },
      },
    },
    async (request) => {
      const { version, ...edits } = request.body;
      return cases.confirm(request.params.id, {
        ...edits,
        expectedVersion: version,
        actor: actorOf(request.principal as NonNullable<typeof request.principal>),
      });
    },
  );

  app.post(
    '/cases/:id/reject',
    {
      config: { auth: CASE_DECIDERS },
      schema: {
        ...describeRoute('cases', 'Reject a candidate with a reason', CASE_DECIDERS),
        params: UuidParamsSchema,
        body: RejectBodySchema,
        response: { 200: CaseSchema, ...errorResponses(...AUTHENTICATED_ERRORS, 404, 409) },
      },
    },
    async (request) =>
      cases.reject(request.params.id, {
        expectedVersion: request.body.version,
        reason: request.body.reason,
        text: request.body.text,
        actor: actorOf(request.principal as NonNullable<typeof request.principal>),
      }),
  );
};
