/**
 * SQL for camera leases and the per-camera state they guard. Expiry is judged by the database's
 * clock, never a worker's, so workers with skewed clocks agree on when a camera is free. Every
 * acquisition draws a new token; a state write is accepted only with the current token (fencing),
 * so an owner that was paused past its lease (GC, SIGSTOP, a stalled disk) and wakes up after
 * another worker took over cannot overwrite the new owner's state.
 */
import { randomUUID } from 'node:crypto';
import type { Queryable } from './database-repository.js';

export interface CameraLease {
  sourceId: string;
  owner: string;
  token: string;
  /** ISO time (database clock) after which another worker may take the camera. */
  expiresAt: string;
  acquiredAt: string;
}

export interface CameraStateRecord {
  state: unknown;
  updatedAt: string;
}

interface LeaseRow {
  source_id: string;
  owner: string;
  token: string;
  expires_at: Date;
  acquired_at: Date;
}

function toLease(r: LeaseRow): CameraLease {
  return {
    sourceId: r.source_id,
    owner: r.owner,
    token: r.token,
    expiresAt: r.expires_at.toISOString(),
    acquiredAt: r.acquired_at.toISOString(),
  };
}

/** now() + ms, in SQL. */
const EXPIRY = `now() + $3::double precision * interval '1 millisecond'`;

export class CameraLeaseRepository {
  constructor(private readonly db: Queryable) {}

  /** The camera's lease with a fresh token, or null while another owner's lease is still live. */
  async acquire(sourceId: string, owner: string, ttlMs: number): Promise<CameraLease | null> {
    // ON CONFLICT … WHERE takes the row lock, so of two workers racing for an expired lease only
    // one gets a row back; the other sees the winner's fresh expiry and gets nothing.
    const res = await this.db.query<LeaseRow>(
      `INSERT INTO camera_leases (source_id, owner, token, expires_at, acquired_at)
       VALUES ($1, $2, $4::uuid, ${EXPIRY}, now())
       ON CONFLICT (source_id) DO UPDATE
         SET owner = EXCLUDED.owner, token = EXCLUDED.token,
             expires_at = EXCLUDED.expires_at, acquired_at = EXCLUDED.acquired_at
         WHERE camera_leases.expires_at <= now()
       RETURNING *`,
      [sourceId, owner, ttlMs, randomUUID()],
    );
    const row = res.rows[0];
    return row ? toLease(row) : null;
  }

  /**
   * Extends the lease while the token is still the current one; null when another worker has
   * taken the camera (or it was released or deleted). A lease that ran out but that nobody took
   * is still ours: nothing happened in between that the token would not show.
   */
  async renew(lease: Pick<CameraLease, 'sourceId' | 'token'>, ttlMs: number): Promise<CameraLease | null> {
    const res = await this.db.query<LeaseRow>(
      `UPDATE camera_leases SET expires_at = ${EXPIRY}
       WHERE source_id = $1 AND token = $2::uuid
       RETURNING *`,
      [lease.sourceId, lease.token, ttlMs],
    );
    const row = res.rows[0];
    return row ? toLease(row) : null;
  }

  /** Gives the camera up at once (shutdown); false when the lease was no longer ours. */
  async release(lease: Pick<CameraLease, 'sourceId' | 'token'>): Promise<boolean> {
    const res = await this.db.query('DELETE FROM camera_leases WHERE source_id = $1 AND token = $2::uuid', [
      lease.sourceId,
      lease.token,
    ]);
    return res.rowCount > 0;
  }

  async find(sourceId: string): Promise<CameraLease | undefined> {
    const res = await this.db.query<LeaseRow>('SELECT * FROM camera_leases WHERE source_id = $1', [sourceId]);
    const row = res.rows[0];
    return row ? toLease(row) : undefined;
  }

  /**
   * Enabled camera sources with a stream and no live lease, at most `limit`: those whose owner
   * died first (longest expired first: their tracking is waiting to resume), then never-leased
   * ones. Another worker may take one between this read and `acquire`; acquire decides.
   */
  async freeCameras(limit: number): Promise<string[]> {
    const res = await this.db.query<{ id: string }>(
      `SELECT s.id FROM sources s
       LEFT JOIN camera_leases l ON l.source_id = s.id
       WHERE s.config->>'kind' = 'camera'
         AND jsonb_typeof(s.config->'rtspUrl') = 'string'
         AND s.config->>'enabled' IS DISTINCT FROM 'false'
         AND (l.source_id IS NULL OR l.expires_at <= now())
       ORDER BY l.expires_at NULLS LAST, s.id
       LIMIT $1`,
      [limit],
    );
    return res.rows.map((r) => r.id);
  }

  /**
   * Saves the camera's state if `lease` is still the current lease; false (nothing written)
   * when another worker has taken the camera. The lease row is read FOR SHARE, so a takeover
   * waits for a write in flight and the new owner then reads it, and a write that comes after
   * the takeover sees the new token and is refused.
   */
  async saveState(lease: Pick<CameraLease, 'sourceId' | 'token'>, state: unknown): Promise<boolean> {
    const res = await this.db.query(
      `WITH current_lease AS (
         SELECT source_id FROM camera_leases WHERE source_id = $1 AND token = $2::uuid FOR SHARE
       )
       INSERT INTO camera_state (source_id, state, updated_at)
       SELECT source_id, $3::jsonb, now() FROM current_lease
       ON CONFLICT (source_id) DO UPDATE SET state = EXCLUDED.state, updated_at = EXCLUDED.updated_at
       RETURNING source_id`,
      [lease.sourceId, lease.token, JSON.stringify(state)],
    );
    return res.rows.length > 0;
  }

  async loadState(sourceId: string): Promise<CameraStateRecord | undefined> {
    const res = await this.db.query<{ state: unknown; updated_at: Date }>(
      'SELECT state, updated_at FROM camera_state WHERE source_id = $1',
      [sourceId],
    );
    const row = res.rows[0];
    return row ? { state: row.state, updatedAt: row.updated_at.toISOString() } : undefined;
  }
}
