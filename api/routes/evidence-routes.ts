/**
 * Evidence listing and download. Downloads carry the content hash as a strong ETag and honour
 * single byte ranges (206, or 416 with a Content-Range giving the size), so video players can seek
 * in clips and interrupted downloads resume; If-None-Match and If-Range work off the same tag.
 */
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { EvidenceService } from '../../evidence/evidence-service.js';
import { EVIDENCE_FORMATS } from '../../evidence/evidence-model.js';
import { decideRange, notModified, rangeStillApplies } from '../../evidence/http-range.js';
import { CASE_READERS } from '../auth/roles.js';
import { errorBody } from '../error-handler.js';
import { describeRoute } from '../plugins/openapi-docs.js';
import { AUTHENTICATED_ERRORS, errorResponses, UuidParamsSchema } from '../schemas/common-schemas.js';
import {
  EvidenceBytesSchema,
  EvidenceListSchema,
  EvidenceParamsSchema,
  NotModifiedSchema,
  PartialEvidenceBytesSchema,
} from '../schemas/evidence-schemas.js';

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(', ') : v;
}

export const evidenceRoutes: FastifyPluginAsyncTypebox<{ evidence: EvidenceService }> = async (
  app,
  { evidence },
) => {
  app.get(
    '/cases/:id/evidence',
    {
      config: { auth: CASE_READERS },
      schema: {
        ...describeRoute('cases', "A case's evidence files", CASE_READERS),
        params: UuidParamsSchema,
        response: { 200: EvidenceListSchema, ...errorResponses(...AUTHENTICATED_ERRORS, 404) },
      },
    },
    async (request) => {
      const records = await evidence.list(request.params.id);
      return {
        items: records.map((r) => ({
          kind: r.kind,
          contentType: r.contentType,
          bytes: r.bytes,
          sha256: r.sha256,
          url: `/cases/${r.caseId}/evidence/${r.kind}`,
          createdAt: r.createdAt,
        })),
      };
    },
  );

  app.get(
    '/cases/:id/evidence/:kind',
    {
      config: { auth: CASE_READERS },
      schema: {
        ...describeRoute(
          'cases',
          'Download one evidence file (supports Range, If-Range and If-None-Match)',
          CASE_READERS,
        ),
        params: EvidenceParamsSchema,
        response: {
          200: EvidenceBytesSchema,
          206: PartialEvidenceBytesSchema,
          304: NotModifiedSchema,
          ...errorResponses(...AUTHENTICATED_ERRORS, 404, 416),
        },
      },
    },
    async (request, reply) => {
      const { id, kind } = request.params;
      const record = await evidence.find(id, kind);
      const etag = `"${record.sha256}"`;
      void reply
        .header('etag', etag)
        .header('accept-ranges', 'bytes')
        // The bytes behind a (case, kind) never change, but access is per key: no shared caches.
        .header('cache-control', 'private, max-age=86400, immutable');
      if (notModified(headerValue(request.headers['if-none-match']), etag)) {
        return reply.code(304).send(null);
      }
      let range = decideRange(headerValue(request.headers.range), record.bytes);
      if (!rangeStillApplies(headerValue(request.headers['if-range']), etag)) range = { kind: 'full' };
      if (range.kind === 'unsatisfiable') {
        return reply
          .code(416)
          .header('content-range', `bytes */${record.bytes}`)
          .send(
            errorBody(
              'RANGE_NOT_SATISFIABLE',
              `the range asked for is outside the file (${record.bytes} bytes)`,
              {
                size: record.bytes,
              },
            ),
          );
      }
      const [start, end] = range.kind === 'partial' ? [range.start, range.end] : [0, record.bytes - 1];
      const filename = `case-${record.caseId}-${kind}.${EVIDENCE_FORMATS[kind].extension}`;
      void reply
        .type(record.contentType)
        .header('content-length', String(end - start + 1))
        .header('content-disposition', `inline; filename="${filename}"`);
      if (range.kind === 'partial') {
        void reply.code(206).header('content-range', `bytes ${start}-${end}/${record.bytes}`);
      }
      // HEAD: the headers are the answer, so the file is not opened. (An empty stream, because
      // Fastify's HEAD handling keeps our Content-Length for streams but recomputes it for buffers.)
      if (request.method === 'HEAD') return reply.send(Readable.from([]));
      const read = await evidence.read(record, range.kind === 'partial' ? range : undefined);
      return reply.send(read.body);
    },
  );
};
