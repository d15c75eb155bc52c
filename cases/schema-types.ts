/** TypeBox building blocks shared by the case schemas and the API schemas. */
import {
  Type,
  type SchemaOptions,
  type TLiteral,
  type TNull,
  type TSchema,
  type TUnion,
} from '@sinclair/typebox';

/**
 * A string restricted to the given values. A union of literals (rather than an `enum` keyword)
 * keeps it checkable by TypeBox's Value module as well as by Fastify's Ajv.
 */
export function StringEnum<T extends string>(
  values: readonly T[],
  options: SchemaOptions = {},
): TUnion<TLiteral<T>[]> {
  return Type.Union(
    values.map((v) => Type.Literal(v)),
    options,
  );
}

export function Nullable<T extends TSchema>(schema: T): TUnion<[T, TNull]> {
  return Type.Union([schema, Type.Null()]);
}
