/**
 * The one seam between services and PostgreSQL. Services and the SQL repositories see only these
 * interfaces, so the embedded PGlite store and a real server run the same SQL and migrations.
 */
import { join } from 'node:path';

export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Database extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** Commits when fn resolves, rolls back when it throws; fn must use only the handle it is given. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Calls onPayload for each NOTIFY on channel (lowercase letters, digits, _) committed by any
   * connection, this process or another, until the returned function is called. onGap is called
   * after a lost connection was re-established: notifications in between are gone, re-read state.
   */
  listen(
    channel: string,
    onPayload: (payload: string) => void,
    onGap?: () => void,
  ): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** LISTEN takes an identifier, not a parameter: only plain lowercase names are accepted. */
export function assertChannelName(channel: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new Error(`invalid notification channel '${channel}'`);
}

/**
 * SQL naming a NOTIFY channel of the current schema: `prefix` plus a hash of the schema, so that
 * schemas sharing a server (tests) do not hear each other. Triggers in migrations spell it out.
 */
export function schemaChannelSql(prefix: string): string {
  assertChannelName(prefix);
  return `'${prefix}' || left(md5(current_schema()), 16)`;
}

/** The channel {@link schemaChannelSql} names, for LISTEN. */
export async function schemaChannel(db: Queryable, prefix: string): Promise<string> {
  const res = await db.query<{ channel: string }>(`SELECT ${schemaChannelSql(prefix)} AS channel`);
  return (res.rows[0] as { channel: string }).channel;
}

export interface DatabaseOptions {
  /** PostgreSQL connection string; without it the embedded store is used. */
  url?: string | undefined;
  /** Directory for the embedded store's files; unset keeps it in memory (tests). */
  dataDir?: string | undefined;
  /** Schema to put first on the search path (tests isolate themselves this way on a shared server). */
  schema?: string | undefined;
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  if (opts.url) {
    const { openPostgres } = await import('./database-postgres.js');
    return openPostgres(opts.url, { schema: opts.schema });
  }
  // Loaded lazily: the WASM build is large and pointless when a server is configured.
  const { openPglite } = await import('./database-pglite.js');
  return openPglite(opts.dataDir);
}

/** Where the embedded store lives for a given GRIDWATCH_DATA_DIR. */
export function embeddedDataDir(dataDir: string): string {
  return join(dataDir, 'db');
}

/** SQLSTATE of a driver error (both drivers expose it as `code`), or undefined. */
export function sqlState(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') {
    return /^[0-9A-Z]{5}$/.test(err.code) ? err.code : undefined;
  }
  return undefined;
}

export const UNIQUE_VIOLATION = '23505';
