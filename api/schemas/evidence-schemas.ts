/** Schemas of the evidence routes: the list, the download parameters, and the binary responses. */
import type { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import { StringEnum } from '../../cases/schema-types.js';
import { EVIDENCE_KINDS } from '../../evidence/evidence-model.js';
import { DateTime } from './common-schemas.js';

export const EvidenceKindSchema = StringEnum(EVIDENCE_KINDS, {
  description:
    'annotated (best frame with box, zone, source and time burned in), crop (the object, unmarked), ' +
    'frame (the same whole frame, unmarked: training data), ' +
    'start_frame, threshold_frame (annotated), clip (MP4 around the threshold)',
});

export const EvidenceParamsSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid', description: 'Case id (UUID)' }),
    kind: EvidenceKindSchema,
  },
  { additionalProperties: false },
);

export const EvidenceEntrySchema = Type.Object({
  kind: EvidenceKindSchema,
  contentType: Type.String({ description: 'image/jpeg or video/mp4' }),
  bytes: Type.Integer({ minimum: 0 }),
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the file; also its ETag' }),
  url: Type.String({ description: 'Download path, relative to the API root' }),
  createdAt: DateTime,
});

export const EvidenceListSchema = Type.Object({ items: Type.Array(EvidenceEntrySchema) });

export const EvidenceBytesSchema = Type.Unsafe<Readable | Buffer>({
  type: 'string',
  format: 'binary',
  description: 'The file (Content-Type image/jpeg or video/mp4)',
});

export const PartialEvidenceBytesSchema = Type.Unsafe<Readable | Buffer>({
  type: 'string',
  format: 'binary',
  description: 'The requested byte range (Content-Range says which)',
});

export const NotModifiedSchema = Type.Null({ description: 'Not modified (If-None-Match matched the ETag)' });
