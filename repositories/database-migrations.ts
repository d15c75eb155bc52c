/**
 * Applies the versioned SQL files in migrations/ in order, each once, recorded in
 * schema_migrations. Everything runs in one transaction under an advisory lock, so two servers
 * starting together on one database apply nothing twice and never see half a schema.
 */
import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Database } from './database-repository.js';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url));

const FILE_PATTERN = /^(\d{4})_[a-z0-9_]+\.sql$/;
/** First half of the advisory lock key; the second is the schema, so isolated schemas don't queue. */
const LOCK_CLASS = 0x67726964; // "grid"

export interface Migration {
  version: string;
  name: string;
  sql: string;
}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const names = (await readdir(dir)).filter((n) => FILE_PATTERN.test(n)).sort();
  const migrations: Migration[] = [];
  for (const name of names) {
    const version = name.slice(0, 4);
    if (migrations.some((m) => m.version === version)) {
      throw new Error(`two migrations share version ${version} in ${dir}`);
    }
    migrations.push({ version, name, sql: await readFile(`${dir}/${name}`, 'utf8') });
  }
  return migrations;
}

/** Returns the names of the migrations this call applied (empty when the schema was current). */
export async function migrate(db: Database, migrations?: Migration[]): Promise<string[]> {
  const all = migrations ?? (await readMigrations());
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))', [LOCK_CLASS]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const done = new Set(
      (await tx.query<{ version: string }>('SELECT version FROM schema_migrations')).rows.map(
        (r) => r.version,
      ),
    );
    const applied: string[] = [];
    for (const m of all) {
      if (done.has(m.version)) continue;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m.name);
    }
    return applied;
  });
}
