/**
 * Throw-away databases for tests and experiments: an in-memory PGlite, or a fresh schema on a
 * PostgreSQL server (so parallel test files share one server without seeing each other's rows),
 * dropped again by dispose().
 */
import { randomBytes } from 'node:crypto';
import type { Database } from './database-repository.js';
import { openPglite } from './database-pglite.js';
import { openPostgres } from './database-postgres.js';

export interface ScratchDatabase {
  db: Database;
  /** A second, independent handle on the same data, as another server process would hold. */
  openAnother(): Promise<Database>;
  dispose(): Promise<void>;
}

export async function openScratchDatabase(
  kind: 'pglite' | 'postgres',
  url?: string,
): Promise<ScratchDatabase> {
  if (kind === 'pglite') {
    const db = await openPglite();
    return {
      db,
      // PGlite is one connection in this process; a second "instance" can only share it.
      openAnother: async () => ({ ...db, close: async () => {} }),
      dispose: () => db.close(),
    };
  }
  if (!url) throw new Error('a PostgreSQL scratch database needs a connection URL');
  const schema = `gw_scratch_${randomBytes(6).toString('hex')}`;
  const admin = openPostgres(url);
  await admin.exec(`CREATE SCHEMA ${schema}`);
  const handles: Database[] = [];
  const open = async (): Promise<Database> => {
    const db = openPostgres(url, { schema });
    handles.push(db);
    return db;
  };
  return {
    db: await open(),
    openAnother: open,
    async dispose() {
      await Promise.allSettled(handles.map((h) => h.close()));
      try {
        await admin.exec(`DROP SCHEMA ${schema} CASCADE`);
      } finally {
        await admin.close();
      }
    },
  };
}

/** Whether a PostgreSQL server answers at url within a few seconds. */
export async function postgresReachable(url: string): Promise<boolean> {
  const db = openPostgres(url, {});
  try {
    await Promise.race([
      db.query('SELECT 1'),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 3000).unref()),
    ]);
    return true;
  } catch {
    return false;
  } finally {
    await db.close().catch(() => {});
  }
}
