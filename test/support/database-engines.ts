/**
 * The two database engines the store and API tests run on: in-process PGlite always, and a real
 * PostgreSQL where one answers (CI has one; a laptop may not, and then its tests show as skipped
 * rather than failing).
 */
import { describe, it } from 'vitest';
import { postgresReachable } from '../../repositories/database-scratch.js';

export const PG_URL =
  process.env.GRIDWATCH_TEST_DATABASE_URL ??
  process.env.DATABASE_URL ??
  'postgres://root@127.0.0.1:5432/test';
const pgUp = await postgresReachable(PG_URL);

export type EngineKind = 'pglite' | 'postgres';

export const engines = [
  { engine: 'PGlite', kind: 'pglite' as const, available: true },
  { engine: 'PostgreSQL', kind: 'postgres' as const, available: pgUp },
];

/**
 * `describe.each` over the engines (`$engine` in the title names one); an engine that is not
 * available gets a single skipped test saying what it needs instead of the suite.
 */
export function describeEngines(title: string, suite: (kind: EngineKind) => void): void {
  describe.each(engines)(title, ({ kind, available }) => {
    if (!available) {
      it.skip(`needs PostgreSQL at ${PG_URL}`, () => {});
      return;
    }
    suite(kind);
  });
}
