import { Type, type Static } from '@sinclair/typebox';

export const SOURCE_KINDS = ['camera', 'drone'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

export const ZONE_TYPES = [
  'no_parking',
  'roadway',
  'pavement',
  'vending_allowed',
  'bin_area',
  'construction_site',
  'mask',
] as const;
export type ZoneType = (typeof ZONE_TYPES)[number];

export const DEFAULT_TIMEZONE = 'Asia/Shanghai';

/** Ids end up inside violation ids and place keys, which use ':' as a separator. */
const Id = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', maxLength: 128 });
const Point = Type.Tuple([Type.Number(), Type.Number()]);
const LatLon = Type.Object(
  { lat: Type.Number({ minimum: -90, maximum: 90 }), lon: Type.Number({ minimum: -180, maximum: 180 }) },
  { additionalProperties: false },
);

export const ZoneSchema = Type.Object(
  {
    id: Id,
    name: Type.Optional(Type.String()),
    // Strings here and checked by hand, so an unknown value gets a message that lists the known ones.
    type: Type.String(),
    polygon: Type.Array(Point, { maxItems: 1000 }),
  },
  { additionalProperties: false },
);

export const CalibrationSchema = Type.Object(
  {
    image: Type.Array(Point, { minItems: 4, maxItems: 4, description: 'Normalised image points' }),
    ground: Type.Array(LatLon, { minItems: 4, maxItems: 4, description: 'The same points on the map' }),
  },
  { additionalProperties: false },
);

export const SourceConfigSchema = Type.Object(
  {
    id: Id,
    name: Type.String({ minLength: 1 }),
    kind: Type.String(),
    timezone: Type.Optional(Type.String({ minLength: 1 })),
    position: Type.Optional(LatLon),
    calibration: Type.Optional(CalibrationSchema),
    zones: Type.Optional(Type.Array(ZoneSchema, { maxItems: 500 })),
    rules: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);

export type RawSourceConfig = Static<typeof SourceConfigSchema>;
