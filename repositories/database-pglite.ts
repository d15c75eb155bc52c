/** Embedded PostgreSQL (PGlite, WASM) behind the Database interface. Only this file imports PGlite. */
import { PGlite } from '@electric-sql/pglite';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidInputError } from '../common/errors.js';
import { processAlive } from '../common/process-alive.js';
import { assertChannelName, type Database, type QueryResult, type Queryable } from './database-repository.js';

interface PgliteLike {
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[]; affectedRows?: number }>;
  exec(sql: string): Promise<unknown>;
}

function wrap(db: PgliteLike): Queryable {
  return {
    async query<T>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
      const res = await db.query<T>(sql, [...params]);
      return { rows: res.rows, rowCount: res.affectedRows || res.rows.length };
    },
    async exec(sql: string): Promise<void> {
      await db.exec(sql);
    },
  };
}

/**
 * PGlite's files must have one writer: a second process (say `gridwatch keys create` while the
 * server runs) would corrupt them. A pid file taken with O_EXCL makes that an error instead.
 */
async function lockDir(dir: string): Promise<() => Promise<void>> {
  const lockPath = join(dir, 'gridwatch.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(lockPath, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(owner) && owner > 0 && processAlive(owner)) {
        throw new InvalidInputError(
          `the embedded database in ${dir} is in use by process ${owner}; stop it or set DATABASE_URL`,
        );
      }
      // Left behind by a process that died: safe to take over.
      await rm(lockPath, { force: true });
    }
  }
  throw new InvalidInputError(`cannot lock the embedded database in ${dir}`);
}

/** Opens the embedded store in dataDir, or in memory when dataDir is undefined. */
export async function openPglite(dataDir?: string): Promise<Database> {
  let unlock = async (): Promise<void> => {};
  if (dataDir !== undefined) {
    await mkdir(dataDir, { recursive: true });
    unlock = await lockDir(dataDir);
  }
  let pglite: PGlite;
  try {
    pglite = await PGlite.create(dataDir === undefined ? {} : { dataDir: join(dataDir, 'pgdata') });
  } catch (err) {
    await unlock();
    throw err;
  }
  const root = wrap(pglite);
  return {
    kind: 'pglite',
    query: root.query,
    exec: root.exec,
    // PGlite has one connection and queues other callers behind an open transaction.
    transaction: <T>(fn: (tx: Queryable) => Promise<T>): Promise<T> =>
      pglite.transaction((tx) => fn(wrap(tx))),
    // One in-process connection: notifications are never lost, so onGap is never called.
    async listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>> {
      assertChannelName(channel);
      const unlisten = await pglite.listen(channel, onPayload);
      return async () => {
        if (!pglite.closed) await unlisten();
      };
    },
    async close(): Promise<void> {
      try {
        if (!pglite.closed) await pglite.close();
      } finally {
        await unlock();
      }
    },
  };
}
