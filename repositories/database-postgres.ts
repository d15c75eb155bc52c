/** The pg driver behind the Database interface. Only this file imports pg. */
import pg from 'pg';
import { assertChannelName, type Database, type QueryResult, type Queryable } from './database-repository.js';

const INT8_OID = 20;

/**
 * pg returns int8 as strings to protect values beyond 2^53; PGlite returns numbers. Our int8
 * columns are sequences and counts far below 2^53, so both drivers agree on numbers.
 */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

function wrap(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<T>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
      const res = await client.query(sql, params as unknown[]);
      return { rows: res.rows as T[], rowCount: res.rowCount ?? 0 };
    },
    async exec(sql: string): Promise<void> {
      // Without parameters pg uses the simple protocol, which accepts several statements.
      await client.query(sql);
    },
  };
}

export function openPostgres(url: string, opts: { schema?: string | undefined } = {}): Database {
  if (opts.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(opts.schema)) {
    throw new Error(`invalid schema name '${opts.schema}'`);
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    types,
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const root = wrap(pool);
  const listeners = new Set<() => Promise<void>>();

  /**
   * LISTEN needs a connection of its own for as long as it lasts, so it never comes from the pool.
   * A lost connection is re-opened after a pause and reported through onGap.
   */
  async function listen(
    channel: string,
    onPayload: (payload: string) => void,
    onGap?: () => void,
  ): Promise<() => Promise<void>> {
    assertChannelName(channel);
    let client: pg.Client | undefined;
    let stopped = false;
    let retry: NodeJS.Timeout | undefined;
    const connect = async (): Promise<void> => {
      const c = new pg.Client({ connectionString: url, types });
      c.on('notification', (m) => {
        if (m.channel === channel && m.payload !== undefined) onPayload(m.payload);
      });
      c.on('error', () => lost(c));
      c.on('end', () => lost(c));
      try {
        await c.connect();
        await c.query(`LISTEN ${channel}`);
      } catch (err) {
        await c.end().catch(() => {});
        throw err;
      }
      if (stopped) await c.end().catch(() => {});
      else client = c;
    };
    const reconnectLater = (): void => {
      retry = setTimeout(() => {
        connect().then(
          () => {
            if (!stopped) onGap?.();
          },
          () => {
            if (!stopped) reconnectLater();
          },
        );
      }, 1000);
      retry.unref();
    };
    function lost(c: pg.Client): void {
      if (stopped || client !== c) return;
      client = undefined;
      c.end().catch(() => {});
      reconnectLater();
    }
    await connect();
    const stop = async (): Promise<void> => {
      stopped = true;
      clearTimeout(retry);
      listeners.delete(stop);
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
    };
    listeners.add(stop);
    return stop;
  }

  return {
    kind: 'postgres',
    query: root.query,
    exec: root.exec,
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const result = await fn(wrap(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
        throw err;
      } finally {
        // A connection that could not roll back is in an unknown state: drop it rather than reuse it.
        client.release(broken);
      }
    },
    listen,
    async close(): Promise<void> {
      await Promise.allSettled([...listeners].map((stop) => stop()));
      await pool.end();
    },
  };
}
