/**
 * Rejects input PostgreSQL cannot store or Node cannot safely walk: NUL characters (text and
 * jsonb refuse them) and very deep nesting (jsonb and JSON.stringify recurse). Checked once here,
 * iteratively, so no handler has to remember and no such input reaches the store as a 500.
 */
import { InvalidInputError } from '../common/errors.js';

const MAX_DEPTH = 32;

export function assertStorable(value: unknown, where: string): void {
  const stack: Array<{ v: unknown; depth: number }> = [{ v: value, depth: 0 }];
  while (stack.length > 0) {
    const { v, depth } = stack.pop() as { v: unknown; depth: number };
    if (typeof v === 'string') {
      if (v.includes('\u0000')) throw new InvalidInputError(`${where} contains a NUL character`);
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= MAX_DEPTH)
      throw new InvalidInputError(`${where} is nested more than ${MAX_DEPTH} levels deep`);
    for (const [key, child] of Object.entries(v)) {
      if (key.includes('\u0000')) throw new InvalidInputError(`${where} contains a NUL character`);
      stack.push({ v: child, depth: depth + 1 });
    }
  }
}
