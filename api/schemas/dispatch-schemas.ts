/** Schemas of dispatch: subscribers, deliveries and the inbound status callback. */
import { Type } from '@sinclair/typebox';
import { CLOSURES } from '../../cases/case-model.js';
import { Nullable, StringEnum } from '../../cases/schema-types.js';
import { DISPATCH_EVENT_TYPES } from '../../dispatch/dispatch-service.js';
import { DELIVERY_STATUSES } from '../../repositories/database-dispatch.js';
import { CaseSchema } from './case-schemas.js';
import { DateTime } from './common-schemas.js';

export const IdParamsSchema = Type.Object(
  { id: Type.String({ format: 'uuid' }) },
  { additionalProperties: false },
);

const EventTypes = Type.Array(StringEnum(DISPATCH_EVENT_TYPES), {
  minItems: 1,
  maxItems: DISPATCH_EVENT_TYPES.length,
  uniqueItems: true,
  description: '`case.confirmed`: a reviewer confirmed a case (it becomes dispatched once delivered)',
});

const subscriberFields = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  url: Type.String({
    pattern: '^https?://[^\\s]+$',
    maxLength: 2048,
    description: 'Receives POSTs of JSON signed with the secret',
  }),
  eventTypes: Type.Optional(EventTypes),
  active: Type.Boolean({ default: true }),
  secret: Type.Optional(
    Type.String({
      minLength: 16,
      maxLength: 200,
      pattern: '^\\S+$',
      description: 'HMAC-SHA256 key; generated when absent. Only ever returned when set',
    }),
  ),
};

export const SubscriberBodySchema = Type.Object(subscriberFields, { additionalProperties: false });

export const SubscriberReplaceBodySchema = Type.Object(
  {
    ...subscriberFields,
    version: Type.Optional(Type.Integer({ minimum: 1, description: 'When given, 409 unless current' })),
  },
  { additionalProperties: false },
);

export const SubscriberSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  url: Type.String(),
  eventTypes: Type.Array(Type.String()),
  active: Type.Boolean(),
  secretHint: Type.String({ description: "The secret's last four characters" }),
  version: Type.Integer({ minimum: 1 }),
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const SubscriberWithSecretSchema = Type.Object({
  ...SubscriberSchema.properties,
  secret: Type.Optional(Type.String({ description: 'Shown once: store it at the receiver now' })),
});

export const SubscriberListSchema = Type.Object({ items: Type.Array(SubscriberSchema) });

const DeliveryStatusSchema = StringEnum(DELIVERY_STATUSES, {
  description: 'pending (scheduled), delivering, delivered, dead (no attempts left: the dead-letter list)',
});

export const DeliverySchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  caseId: Type.String({ format: 'uuid' }),
  subscriberId: Type.String({ format: 'uuid' }),
  eventType: Type.String(),
  idempotencyKey: Type.String({ description: 'Sent as Idempotency-Key: <case id>:<subscriber id>' }),
  status: DeliveryStatusSchema,
  attempts: Type.Integer({ minimum: 0, description: 'Attempts in the current schedule' }),
  scheduleStartedAt: DateTime,
  nextAttemptAt: Nullable(DateTime),
  lastStatusCode: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
  deliveredAt: Nullable(DateTime),
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const DeliveryDetailSchema = Type.Object({
  ...DeliverySchema.properties,
  history: Type.Array(
    Type.Object({
      attempt: Type.Integer(),
      startedAt: DateTime,
      durationMs: Type.Integer(),
      statusCode: Nullable(Type.Integer()),
      error: Nullable(Type.String()),
    }),
  ),
});

export const DeliveryPageSchema = Type.Object({
  items: Type.Array(DeliverySchema),
  nextCursor: Nullable(Type.String()),
});

export const ListDeliveriesQuerySchema = Type.Object(
  {
    status: Type.Optional(
      Type.Array(DeliveryStatusSchema, {
        maxItems: DELIVERY_STATUSES.length,
        description: 'Repeatable; `dead` lists the dead letters',
      }),
    ),
    caseId: Type.Optional(Type.String({ format: 'uuid' })),
    subscriberId: Type.Optional(Type.String({ format: 'uuid' })),
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const CallbackBodySchema = Type.Object(
  {
    caseId: Type.String({ format: 'uuid' }),
    status: StringEnum(['handled', 'closed'] as const, {
      description: 'handled: work done, case stays dispatched; closed: the case is closed',
    }),
    closure: Type.Optional(StringEnum(CLOSURES, { description: 'How it was closed; default normal' })),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
    reference: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: "The receiving system's own ticket id" }),
    ),
  },
  { additionalProperties: false },
);

export const CallbackHeadersSchema = Type.Object({
  'x-gridwatch-signature': Type.Optional(Type.String({ maxLength: 1000 })),
  'x-gridwatch-subscriber': Type.Optional(Type.String({ maxLength: 100 })),
});

export const CallbackResultSchema = Type.Object({
  case: CaseSchema,
  changed: Type.Boolean({ description: 'False when the case already was in the reported state' }),
});
