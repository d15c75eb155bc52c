/**
 * Violation type → category code and name. Codes differ by standard edition and by city, so the
 * table is a JSON file chosen by configuration (GRIDWATCH_CATEGORY_CODES); the two bundled files
 * hold the 2026 national codes (default) and the 2013 ones.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { InvalidInputError, errorMessage } from '../common/errors.js';
import { VIOLATION_TYPES, type Category, type ViolationType } from './case-model.js';

export const BUNDLED_CATEGORY_TABLES = {
  'gbt-47678.5-2026': fileURLToPath(new URL('./category-codes-2026.json', import.meta.url)),
  'gbt-30428.2-2013': fileURLToPath(new URL('./category-codes-2013.json', import.meta.url)),
} as const;

const CodeSchema = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$' });

const CategoryTableSchema = Type.Object(
  {
    standard: Type.String({ minLength: 1 }),
    note: Type.Optional(Type.String()),
    items: Type.Array(
      Type.Object(
        {
          code: CodeSchema,
          name: Type.String({ minLength: 1, maxLength: 100 }),
          local: Type.Optional(Type.Boolean({ description: 'A city-defined code; never region-prefixed' })),
        },
        { additionalProperties: false },
      ),
      { minItems: 1 },
    ),
    defaults: Type.Record(Type.String(), CodeSchema),
  },
  { additionalProperties: false },
);
export type CategoryTable = Static<typeof CategoryTableSchema>;

export class CategoryCodes {
  private readonly byCode: Map<string, { name: string; local: boolean }>;

  constructor(
    readonly table: CategoryTable,
    /** 6-digit administrative division code of this deployment. */
    readonly regionCode?: string,
  ) {
    this.byCode = new Map();
    for (const item of table.items) {
      if (this.byCode.has(item.code))
        throw new InvalidInputError(`category code ${item.code} is listed twice`);
      this.byCode.set(item.code, { name: item.name, local: item.local ?? false });
    }
    for (const type of VIOLATION_TYPES) {
      const code = table.defaults[type];
      if (code === undefined) throw new InvalidInputError(`category table has no default code for ${type}`);
      if (!this.byCode.has(code)) {
        throw new InvalidInputError(`default code ${code} for ${type} is not among the table's items`);
      }
    }
    const unknown = Object.keys(table.defaults).filter(
      (k) => !(VIOLATION_TYPES as readonly string[]).includes(k),
    );
    if (unknown.length > 0)
      throw new InvalidInputError(`category table has defaults for unknown types: ${unknown}`);
    if (regionCode !== undefined && !/^\d{6}$/.test(regionCode)) {
      throw new InvalidInputError(`region code must be 6 digits, got '${regionCode}'`);
    }
  }

  get standard(): string {
    return this.table.standard;
  }

  forType(type: ViolationType): Category {
    // The constructor proved every type has a default that exists.
    return this.lookup(this.table.defaults[type] as string) as Category;
  }

  /** The category for a code from this table, or undefined when the table does not list it. */
  lookup(code: string): Category | undefined {
    const item = this.byCode.get(code);
    if (!item) return undefined;
    const prefixable = !item.local && /^\d+$/.test(code) && this.regionCode !== undefined;
    return { code, name: item.name, fullCode: prefixable ? `${this.regionCode}${code}` : null };
  }

  codes(): string[] {
    return [...this.byCode.keys()];
  }
}

export function parseCategoryTable(json: unknown, origin: string): CategoryTable {
  if (!Value.Check(CategoryTableSchema, json)) {
    const first = Value.Errors(CategoryTableSchema, json).First();
    throw new InvalidInputError(
      `category table ${origin} is invalid${first ? `: ${first.path || '/'} ${first.message}` : ''}`,
    );
  }
  return json;
}

/** Loads the table at path (default: the bundled 2026 codes). */
export async function loadCategoryCodes(
  opts: { path?: string | undefined; regionCode?: string | undefined } = {},
): Promise<CategoryCodes> {
  const path = opts.path ?? BUNDLED_CATEGORY_TABLES['gbt-47678.5-2026'];
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new InvalidInputError(`cannot read category table ${path}: ${errorMessage(err)}`);
  }
  return new CategoryCodes(parseCategoryTable(json, path), opts.regionCode);
}
