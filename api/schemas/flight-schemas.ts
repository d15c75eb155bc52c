/** Schemas of drone flight uploads. */
import { Type, type Static } from '@sinclair/typebox';
import { Nullable, StringEnum } from '../../cases/schema-types.js';
import { FLIGHT_STATUSES } from '../../repositories/database-flights.js';
import { DateTime } from './common-schemas.js';
import { SOURCE_ID_PATTERN } from './source-schemas.js';

export const FlightStatusSchema = StringEnum(FLIGHT_STATUSES, {
  description: 'queued → processing → done | failed',
});

export const FlightSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  sourceId: Nullable(Type.String()),
  status: FlightStatusSchema,
  progress: Type.Number({ minimum: 0, maximum: 1 }),
  error: Nullable(Type.String()),
  video: Type.Object({
    name: Nullable(Type.String({ description: "The uploader's file name, for display only" })),
    bytes: Type.Integer({ minimum: 0 }),
    format: Type.String({ description: 'mp4, mov, matroska or webm, from the content' }),
  }),
  srt: Nullable(Type.Object({ bytes: Type.Integer({ minimum: 0 }) })),
  metadata: Type.Record(Type.String(), Type.Unknown()),
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const FlightPageSchema = Type.Object({
  items: Type.Array(FlightSchema),
  nextCursor: Nullable(Type.String()),
});

export const FlightIdParamsSchema = Type.Object(
  { id: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
);

export const ListFlightsQuerySchema = Type.Object(
  {
    status: Type.Optional(Type.Array(FlightStatusSchema, { maxItems: FLIGHT_STATUSES.length })),
    source: Type.Optional(Type.String({ pattern: SOURCE_ID_PATTERN })),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

/** The text parts of an upload, checked once the stream has been read. */
export const FlightFieldsSchema = Type.Object(
  {
    sourceId: Type.Optional(Type.String({ pattern: SOURCE_ID_PATTERN })),
    metadata: Type.Optional(Type.Record(Type.String({ maxLength: 100 }), Type.Unknown())),
  },
  { additionalProperties: false },
);
export type FlightFields = Static<typeof FlightFieldsSchema>;

/** For the OpenAPI description only: multipart bodies are streamed, not validated as a whole. */
export const FlightUploadDocSchema = Type.Object({
  video: Type.String({
    format: 'binary',
    description: 'MP4/MOV (ftyp) or Matroska/WebM; checked by content',
  }),
  srt: Type.Optional(Type.String({ format: 'binary', description: 'DJI telemetry subtitles (.SRT)' })),
  sourceId: Type.Optional(Type.String({ pattern: SOURCE_ID_PATTERN, description: 'The drone source' })),
  metadata: Type.Optional(Type.String({ description: 'A JSON object of up to 16 KiB (pilot, mission, …)' })),
});
