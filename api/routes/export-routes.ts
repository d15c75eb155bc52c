/** GET /export/dataset: decided cases as a training set, so reviewers' decisions feed the next model. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Readable } from 'node:stream';
import { InvalidInputError } from '../../common/errors.js';
import type { DatasetExportService } from '../../export/dataset-export.js';
import type { Role } from '../auth/roles.js';
import { describeRoute } from '../plugins/openapi-docs.js';
import { AUTHENTICATED_ERRORS, errorResponses } from '../schemas/common-schemas.js';
import { DatasetResponseSchema, ExportQuerySchema, TAR_CONTENT_TYPE } from '../schemas/export-schemas.js';

const EXPORTERS: readonly Role[] = ['reviewer'];

function parseTime(text: string | undefined, name: string): Date | undefined {
  if (text === undefined) return undefined;
  const d = new Date(text);
  if (Number.isNaN(d.getTime())) throw new InvalidInputError(`${name} is not a valid time`);
  return d;
}

export const exportRoutes: FastifyPluginAsyncTypebox<{ exports: DatasetExportService }> = async (
  app,
  { exports },
) => {
  app.get(
    '/export/dataset',
    {
      config: { auth: EXPORTERS },
      schema: {
        ...describeRoute(
          'cases',
          'Decided cases as a training dataset (tar: images, YOLO labels, decisions CSV)',
          EXPORTERS,
        ),
        querystring: ExportQuerySchema,
        response: { 200: DatasetResponseSchema, ...errorResponses(...AUTHENTICATED_ERRORS) },
      },
    },
    async (request, reply) => {
      const decidedFrom = parseTime(request.query.from, 'from');
      const decidedTo = parseTime(request.query.to, 'to');
      if (decidedFrom && decidedTo && decidedFrom > decidedTo) {
        throw new InvalidInputError('from must not be after to');
      }
      const now = new Date();
      const stamp = now.toISOString().slice(0, 19).replace(/[-:]/g, '');
      const body = Readable.from(
        exports.archive({ decidedFrom, decidedTo, statuses: request.query.status }, now),
      );
      body.on('error', (err) => request.log.error({ err }, 'dataset export failed while streaming'));
      return (
        reply
          .type(TAR_CONTENT_TYPE)
          .header('content-disposition', `attachment; filename="gridwatch-dataset-${stamp}.tar"`)
          .header('cache-control', 'no-store')
          // The schema documents the binary body as a string; Fastify streams a Readable as is.
          .send(body as unknown as string)
      );
    },
  );
};
