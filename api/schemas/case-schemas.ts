/** Request and response schemas of the case routes: validation, serialisation and OpenAPI from one source. */
import { Type, type Static } from '@sinclair/typebox';
import { CASE_STATUSES, CLOSURES, REJECT_REASONS, VIOLATION_TYPES } from '../../cases/case-model.js';
import { Nullable, StringEnum } from '../../cases/schema-types.js';
import { EvidenceItemSchema } from '../../cases/violation-input.js';
import { DateTime } from './common-schemas.js';

export const ViolationTypeSchema = StringEnum(VIOLATION_TYPES, { description: 'Violation type' });
export const CaseStatusSchema = StringEnum(CASE_STATUSES, { description: 'Lifecycle status' });
const CategoryCodeSchema = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$' });

export const CaseSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    violationId: Type.String({ description: "The violation engine's deterministic id" }),
    type: ViolationTypeSchema,
    category: Type.Object({
      code: Type.String(),
      name: Type.String(),
      fullCode: Nullable(Type.String({ description: 'Region prefix + code, when configured' })),
    }),
    status: CaseStatusSchema,
    confidence: Type.Number({ minimum: 0, maximum: 1 }),
    sourceId: Type.String(),
    zoneId: Nullable(Type.String()),
    location: Nullable(Type.Object({ lat: Type.Number(), lon: Type.Number() })),
    address: Nullable(Type.String()),
    gridCell: Nullable(Type.String({ description: '单元网格 code' })),
    firstSeen: DateTime,
    lastSeen: DateTime,
    dwellSeconds: Type.Number({ minimum: 0 }),
    model: Nullable(Type.Object({ name: Type.String(), version: Type.String() })),
    ruleParams: Type.Record(Type.String(), Type.Unknown(), { description: 'Rule parameters in force' }),
    evidence: Type.Array(EvidenceItemSchema),
    description: Nullable(Type.String()),
    rejection: Nullable(Type.Object({ reason: StringEnum(REJECT_REASONS), text: Nullable(Type.String()) })),
    closure: Nullable(StringEnum(CLOSURES)),
    decidedAt: Nullable(DateTime),
    decidedBy: Nullable(Type.String()),
    version: Type.Integer({
      minimum: 1,
      description: 'Send back with a decision; changes on every decision',
    }),
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  { description: 'A candidate enforcement case' },
);

export const CasePageSchema = Type.Object({
  items: Type.Array(CaseSchema),
  nextCursor: Nullable(Type.String({ description: 'Pass as `cursor` for the next page; null on the last' })),
});

export const CaseEventSchema = Type.Object({
  id: Type.Integer(),
  caseId: Type.String({ format: 'uuid' }),
  at: DateTime,
  actor: Type.String(),
  action: Type.String(),
  fromStatus: Nullable(CaseStatusSchema),
  toStatus: Nullable(CaseStatusSchema),
  reason: Nullable(Type.String()),
  details: Type.Record(Type.String(), Type.Unknown()),
});

export const CaseEventListSchema = Type.Object({ items: Type.Array(CaseEventSchema) });

const Coordinate = '-?\\d{1,3}(\\.\\d{1,12})?';

export const ListCasesQuerySchema = Type.Object(
  {
    status: Type.Optional(
      Type.Array(CaseStatusSchema, { maxItems: CASE_STATUSES.length, description: 'Repeatable' }),
    ),
    type: Type.Optional(
      Type.Array(ViolationTypeSchema, { maxItems: VIOLATION_TYPES.length, description: 'Repeatable' }),
    ),
    source: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    zone: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'first_seen ≥ from' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'first_seen < to' })),
    bbox: Type.Optional(
      Type.String({
        pattern: `^${Coordinate},${Coordinate},${Coordinate},${Coordinate}$`,
        description: 'minLon,minLat,maxLon,maxLat (WGS-84 degrees)',
      }),
    ),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'From a previous page' })),
  },
  { additionalProperties: false },
);
export type ListCasesQuery = Static<typeof ListCasesQuerySchema>;

export const ConfirmBodySchema = Type.Object(
  {
    version: Type.Integer({ minimum: 1, description: 'The version the reviewer saw' }),
    type: Type.Optional(ViolationTypeSchema),
    code: Type.Optional(CategoryCodeSchema),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);

export const RejectBodySchema = Type.Object(
  {
    version: Type.Integer({ minimum: 1, description: 'The version the reviewer saw' }),
    reason: StringEnum(REJECT_REASONS),
    text: Type.Optional(Type.String({ maxLength: 2000, description: "Required when reason is 'other'" })),
  },
  { additionalProperties: false },
);
