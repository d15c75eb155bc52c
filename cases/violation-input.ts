/**
 * What the violation engine hands to the case store. Checked at the boundary because it arrives
 * through a job queue, possibly from an older or newer worker.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { InvalidInputError } from '../common/errors.js';
import { VIOLATION_TYPES } from './case-model.js';
import { Nullable, StringEnum } from './schema-types.js';

export const EvidenceItemSchema = Type.Object(
  {
    kind: Type.String({ minLength: 1, maxLength: 40, description: 'e.g. start_frame, best_frame, clip' }),
    key: Type.String({ minLength: 1, maxLength: 500, description: 'Object-store key of the file' }),
    contentType: Type.String({ minLength: 1, maxLength: 100 }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    bytes: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);

const Timestamp = Type.Union([Type.Date(), Type.String({ minLength: 1, maxLength: 64 })]);

export const ViolationInputSchema = Type.Object(
  {
    violationId: Type.String({ minLength: 1, maxLength: 200 }),
    type: StringEnum(VIOLATION_TYPES),
    confidence: Type.Number({ minimum: 0, maximum: 1 }),
    sourceId: Type.String({ minLength: 1, maxLength: 128 }),
    zoneId: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 128 }))),
    location: Type.Optional(
      Nullable(
        Type.Object(
          {
            lat: Type.Number({ minimum: -90, maximum: 90 }),
            lon: Type.Number({ minimum: -180, maximum: 180 }),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    address: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    /** 单元网格 code, 15 characters on national platforms; kept loose for local variants. */
    gridCell: Type.Optional(Nullable(Type.String({ pattern: '^[0-9A-Za-z]{1,32}$' }))),
    firstSeen: Timestamp,
    lastSeen: Timestamp,
    dwellSeconds: Type.Number({ minimum: 0 }),
    model: Type.Optional(
      Nullable(
        Type.Object(
          { name: Type.String({ minLength: 1, maxLength: 100 }), version: Type.String({ maxLength: 100 }) },
          { additionalProperties: false },
        ),
      ),
    ),
    ruleParams: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    evidence: Type.Optional(Type.Array(EvidenceItemSchema, { maxItems: 100 })),
  },
  { additionalProperties: false },
);
export type ViolationInput = Static<typeof ViolationInputSchema>;

export interface CheckedViolation extends Omit<ViolationInput, 'firstSeen' | 'lastSeen'> {
  firstSeen: Date;
  lastSeen: Date;
}

function toDate(value: Date | string, field: string): Date {
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) throw new InvalidInputError(`violation ${field} is not a valid time`);
  return d;
}

export function checkViolation(input: unknown): CheckedViolation {
  if (!Value.Check(ViolationInputSchema, input)) {
    const first = Value.Errors(ViolationInputSchema, input).First();
    throw new InvalidInputError(`invalid violation${first ? `: ${first.path || '/'} ${first.message}` : ''}`);
  }
  const firstSeen = toDate(input.firstSeen, 'firstSeen');
  const lastSeen = toDate(input.lastSeen, 'lastSeen');
  if (lastSeen < firstSeen) throw new InvalidInputError('violation lastSeen is before firstSeen');
  return { ...input, firstSeen, lastSeen };
}
