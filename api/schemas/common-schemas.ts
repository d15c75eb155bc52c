/** The error body every failure shares, and small schemas several routes use. */
import { Type } from '@sinclair/typebox';

export const ErrorResponseSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable machine-readable code, e.g. VERSION_CONFLICT' }),
      message: Type.String({ description: 'Human-readable explanation; never contains internals' }),
      details: Type.Optional(
        Type.Unknown({ description: 'Facts a client can act on, e.g. the current version' }),
      ),
    }),
  },
  { description: 'Error' },
);

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input (validation, bad cursor, bad filter)',
  401: 'Missing or invalid API key',
  403: "The API key's role may not do this",
  404: 'No such resource',
  409: 'Version conflict, forbidden lifecycle transition or duplicate id',
  429: 'Rate limit exceeded',
  503: 'Not ready',
};

/** Response schemas for the given error statuses (documentation and serialisation). */
export function errorResponses<S extends number>(...statuses: S[]): Record<S, typeof ErrorResponseSchema> {
  return Object.fromEntries(
    statuses.map((s) => [s, { ...ErrorResponseSchema, description: ERROR_DESCRIPTIONS[s] ?? 'Error' }]),
  ) as Record<S, typeof ErrorResponseSchema>;
}

/** Errors any authenticated route can return. */
export const AUTHENTICATED_ERRORS = [400, 401, 403, 429] as const;

export const UuidParamsSchema = Type.Object(
  { id: Type.String({ format: 'uuid', description: 'Case id (UUID)' }) },
  { additionalProperties: false },
);

export const DateTime = Type.String({ format: 'date-time' });
