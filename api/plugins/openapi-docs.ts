/**
 * OpenAPI 3.1 generated from the routes' TypeBox schemas, served at /openapi.json and browsable
 * at /docs. Both are public: they describe the API but expose no data. 3.1 because TypeBox emits
 * JSON Schema (`const`, `anyOf` with null) that 3.0 cannot express.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';

export async function installOpenApi(app: FastifyInstance, opts: { version: string }): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Gridwatch API',
        version: opts.version,
        description:
          'Candidate enforcement cases from city cameras and drones, for reviewers to confirm or reject. ' +
          'Every route except /health and /ready needs `Authorization: Bearer <key>`; ' +
          'errors are `{ "error": { "code", "message", "details"? } }`.',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'gwk_… key from `gridwatch keys create`' },
        },
      },
      tags: [
        { name: 'cases', description: 'Candidate cases and review decisions' },
        { name: 'sources', description: 'Cameras and their analysis configuration' },
        { name: 'operations', description: 'Health, readiness and metrics' },
      ],
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    transformStaticCSP: (header) => header.replace(/\s*upgrade-insecure-requests;?/, ''),
  });
  app.get('/openapi.json', { schema: { hide: true, response: { 200: Type.Unknown() } } }, () =>
    app.swagger(),
  );
}

/** The `schema` fields that document a route's purpose and the roles it admits. */
export function describeRoute(
  tag: string,
  summary: string,
  roles: readonly string[] | 'public',
): { tags: string[]; summary: string; description: string; security?: Array<Record<string, string[]>> } {
  if (roles === 'public') return { tags: [tag], summary, description: 'No API key needed.' };
  return {
    tags: [tag],
    summary,
    description: `Roles: ${['admin', ...roles].join(', ')}.`,
    security: [{ apiKey: [] }],
  };
}
