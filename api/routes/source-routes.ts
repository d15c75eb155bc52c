/** Camera sources: create, list, read, replace, delete. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import type { SourceRecord } from '../../repositories/database-sources.js';
import type { SourceService } from '../../cases/source-service.js';
import { SOURCE_EDITORS } from '../auth/roles.js';
import { describeRoute } from '../plugins/openapi-docs.js';
import { AUTHENTICATED_ERRORS, errorResponses } from '../schemas/common-schemas.js';
import {
  ListSourcesQuerySchema,
  SourceBodySchema,
  SourceIdParamsSchema,
  SourcePageSchema,
  SourceReplaceBodySchema,
  SourceSchema,
} from '../schemas/source-schemas.js';

type SourceBody = Static<typeof SourceBodySchema>;

function view(r: SourceRecord): Static<typeof SourceSchema> {
  // The stored configuration passed SourceBodySchema on its way in.
  const config = r.config as SourceBody;
  return { ...config, id: r.id, version: r.version, createdAt: r.createdAt, updatedAt: r.updatedAt };
}

export const sourceRoutes: FastifyPluginAsyncTypebox<{ sources: SourceService }> = async (
  app,
  { sources },
) => {
  app.get(
    '/sources',
    {
      config: { auth: SOURCE_EDITORS },
      schema: {
        ...describeRoute('sources', 'List sources by id', SOURCE_EDITORS),
        querystring: ListSourcesQuerySchema,
        response: { 200: SourcePageSchema, ...errorResponses(...AUTHENTICATED_ERRORS) },
      },
    },
    async (request) => {
      const page = await sources.list(request.query);
      return { items: page.items.map(view), nextCursor: page.nextCursor };
    },
  );

  app.post(
    '/sources',
    {
      config: { auth: SOURCE_EDITORS },
      schema: {
        ...describeRoute('sources', 'Add a camera', SOURCE_EDITORS),
        body: SourceBodySchema,
        response: { 201: SourceSchema, ...errorResponses(...AUTHENTICATED_ERRORS, 409) },
      },
    },
    async (request, reply) => {
      const created = await sources.create(request.body);
      return reply.code(201).header('location', `/sources/${created.id}`).send(view(created));
    },
  );

  app.get(
    '/sources/:id',
    {
      config: { auth: SOURCE_EDITORS },
      schema: {
        ...describeRoute('sources', 'Get one source', SOURCE_EDITORS),
        params: SourceIdParamsSchema,
        response: { 200: SourceSchema, ...errorResponses(...AUTHENTICATED_ERRORS, 404) },
      },
    },
    async (request) => view(await sources.get(request.params.id)),
  );

  app.put(
    '/sources/:id',
    {
      config: { auth: SOURCE_EDITORS },
      schema: {
        ...describeRoute('sources', "Replace a source's configuration", SOURCE_EDITORS),
        params: SourceIdParamsSchema,
        body: SourceReplaceBodySchema,
        response: { 200: SourceSchema, ...errorResponses(...AUTHENTICATED_ERRORS, 404, 409) },
      },
    },
    async (request) => {
      const { version, ...config } = request.body;
      return view(await sources.replace(request.params.id, config, version));
    },
  );

  app.delete(
    '/sources/:id',
    {
      config: { auth: SOURCE_EDITORS },
      schema: {
        ...describeRoute('sources', 'Remove a source (its cases stay)', SOURCE_EDITORS),
        params: SourceIdParamsSchema,
        response: {
          204: Type.Null({ description: 'Deleted' }),
          ...errorResponses(...AUTHENTICATED_ERRORS, 404),
        },
      },
    },
    async (request, reply) => {
      await sources.delete(request.params.id);
      return reply.code(204).send(null);
    },
  );
};
