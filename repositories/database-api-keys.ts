/** SQL for API keys. Only hashes of secrets ever reach the database. */
import { schemaChannel, schemaChannelSql, type Queryable } from './database-repository.js';

export interface ApiKeyRecord {
  id: string;
  prefix: string;
  secretHash: string;
  role: string;
  name: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

interface ApiKeyRow {
  id: string;
  prefix: string;
  secret_hash: string;
  role: string;
  name: string | null;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

function toRecord(r: ApiKeyRow): ApiKeyRecord {
  return {
    id: r.id,
    prefix: r.prefix,
    secretHash: r.secret_hash,
    role: r.role,
    name: r.name,
    createdAt: r.created_at.toISOString(),
    lastUsedAt: r.last_used_at?.toISOString() ?? null,
    revokedAt: r.revoked_at?.toISOString() ?? null,
  };
}

const KEY_CHANNEL = 'gw_keys_';

/** The NOTIFY channel on which revocations of this schema's keys are announced (payload: prefix). */
export function keyRevocationChannel(db: Queryable): Promise<string> {
  return schemaChannel(db, KEY_CHANNEL);
}

export class ApiKeyRepository {
  constructor(private readonly db: Queryable) {}

  async insert(k: {
    prefix: string;
    secretHash: string;
    role: string;
    name: string | null;
  }): Promise<ApiKeyRecord> {
    const res = await this.db.query<ApiKeyRow>(
      'INSERT INTO api_keys (prefix, secret_hash, role, name) VALUES ($1, $2, $3, $4) RETURNING *',
      [k.prefix, k.secretHash, k.role, k.name],
    );
    return toRecord(res.rows[0] as ApiKeyRow);
  }

  async findByPrefix(prefix: string): Promise<ApiKeyRecord | undefined> {
    const res = await this.db.query<ApiKeyRow>('SELECT * FROM api_keys WHERE prefix = $1', [prefix]);
    const row = res.rows[0];
    return row ? toRecord(row) : undefined;
  }

  async list(): Promise<ApiKeyRecord[]> {
    const res = await this.db.query<ApiKeyRow>('SELECT * FROM api_keys ORDER BY created_at, prefix');
    return res.rows.map(toRecord);
  }

  /** Also announces the revocation (delivered on commit) to every process that caches keys. */
  async revoke(prefix: string): Promise<boolean> {
    const res = await this.db.query(
      `WITH revoked AS (
         UPDATE api_keys SET revoked_at = now() WHERE prefix = $1 AND revoked_at IS NULL RETURNING prefix
       )
       SELECT pg_notify(${schemaChannelSql(KEY_CHANNEL)}, prefix) FROM revoked`,
      [prefix],
    );
    return res.rows.length > 0;
  }

  async touch(id: string): Promise<void> {
    await this.db.query('UPDATE api_keys SET last_used_at = now() WHERE id = $1', [id]);
  }
}
