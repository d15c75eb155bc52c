/** SQL for camera sources; the configuration is kept whole as jsonb. */
import type { Queryable } from './database-repository.js';

export interface SourceRecord {
  id: string;
  config: Record<string, unknown>;
  version: number;
  createdAt: string;
  updatedAt: string;
}

interface SourceRow {
  id: string;
  config: Record<string, unknown>;
  version: number;
  created_at: Date;
  updated_at: Date;
}

function toRecord(r: SourceRow): SourceRecord {
  return {
    id: r.id,
    config: r.config,
    version: r.version,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export class SourceRepository {
  constructor(private readonly db: Queryable) {}

  /** Null when the id is taken. */
  async insert(id: string, config: Record<string, unknown>): Promise<SourceRecord | null> {
    const res = await this.db.query<SourceRow>(
      `INSERT INTO sources (id, config) VALUES ($1, $2::jsonb) ON CONFLICT (id) DO NOTHING RETURNING *`,
      [id, JSON.stringify(config)],
    );
    const row = res.rows[0];
    return row ? toRecord(row) : null;
  }

  async find(id: string, opts: { lock?: boolean } = {}): Promise<SourceRecord | undefined> {
    const res = await this.db.query<SourceRow>(
      `SELECT * FROM sources WHERE id = $1${opts.lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    const row = res.rows[0];
    return row ? toRecord(row) : undefined;
  }

  async replace(id: string, config: Record<string, unknown>): Promise<SourceRecord> {
    const res = await this.db.query<SourceRow>(
      `UPDATE sources SET config = $2::jsonb, version = version + 1, updated_at = now()
       WHERE id = $1 RETURNING *`,
      [id, JSON.stringify(config)],
    );
    const row = res.rows[0];
    if (!row) throw new Error(`source ${id} vanished inside its own transaction`);
    return toRecord(row);
  }

  async delete(id: string): Promise<boolean> {
    const res = await this.db.query('DELETE FROM sources WHERE id = $1', [id]);
    return res.rowCount > 0;
  }

  /** In id order, strictly after `afterId` when given. */
  async list(afterId: string | undefined, limit: number): Promise<SourceRecord[]> {
    const res = await this.db.query<SourceRow>(
      afterId === undefined
        ? 'SELECT * FROM sources ORDER BY id LIMIT $1'
        : 'SELECT * FROM sources WHERE id > $2 ORDER BY id LIMIT $1',
      afterId === undefined ? [limit] : [limit, afterId],
    );
    return res.rows.map(toRecord);
  }
}
