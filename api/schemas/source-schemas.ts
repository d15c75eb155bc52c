/**
 * Camera source schemas. Zones, schedules and rules are deliberately loose objects here: their
 * strict shape is violations/' business, and its validator runs in the service when present.
 */
import { Type } from '@sinclair/typebox';
import { Nullable, StringEnum } from '../../cases/schema-types.js';
import { DateTime } from './common-schemas.js';

/** As violations/ requires: ids end up inside violation ids, which use ':' as a separator. */
export const SOURCE_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$';
const SourceId = Type.String({
  pattern: SOURCE_ID_PATTERN,
  description: 'Chosen by the operator, e.g. cam-0412',
});
const LooseObject = Type.Object({}, { additionalProperties: true });

const sourceProperties = {
  id: SourceId,
  name: Type.String({ minLength: 1, maxLength: 200 }),
  kind: StringEnum(['camera', 'drone'] as const),
  rtspUrl: Type.Optional(
    Type.String({
      pattern: '^rtsps?://[^\\s]+$',
      maxLength: 2048,
      description:
        'Required for cameras. Passwords are masked in responses; send the mask back to keep the stored one',
    }),
  ),
  decode: Type.Optional(
    StringEnum(['all', 'keyframes'] as const, {
      description:
        "Cameras: 'keyframes' decodes key frames only, several times more cameras per machine; " +
        'set the camera to one key frame per sampling interval (GOP 1 s at 1 analysed frame/s). Default all',
    }),
  ),
  enabled: Type.Boolean({ default: true }),
  address: Type.Optional(Type.String({ maxLength: 500 })),
  timezone: Type.Optional(
    Type.String({ minLength: 1, maxLength: 64, description: 'IANA zone; default Asia/Shanghai' }),
  ),
  position: Type.Optional(
    Type.Object(
      { lat: Type.Number({ minimum: -90, maximum: 90 }), lon: Type.Number({ minimum: -180, maximum: 180 }) },
      { additionalProperties: false },
    ),
  ),
  calibration: Type.Optional(LooseObject),
  zones: Type.Array(LooseObject, { maxItems: 500, default: [], description: 'Zones: id, type, polygon' }),
  rules: Type.Record(Type.String(), Type.Unknown(), {
    default: {},
    description: 'Rule parameters by violation type, schedules included',
  }),
};

export const SourceBodySchema = Type.Object(sourceProperties, { additionalProperties: false });

export const SourceReplaceBodySchema = Type.Object(
  {
    ...sourceProperties,
    version: Type.Optional(
      Type.Integer({ minimum: 1, description: 'When given, the update fails with 409 unless current' }),
    ),
  },
  { additionalProperties: false },
);

export const SourceSchema = Type.Object({
  ...sourceProperties,
  version: Type.Integer({ minimum: 1 }),
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const SourcePageSchema = Type.Object({
  items: Type.Array(SourceSchema),
  nextCursor: Nullable(Type.String()),
});

export const SourceIdParamsSchema = Type.Object({ id: SourceId }, { additionalProperties: false });

export const ListSourcesQuerySchema = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
