/** Aggregates for /metrics, computed from the store so every API instance reports the same numbers. */
import type { Queryable } from './database-repository.js';

export interface CaseCount {
  type: string;
  status: string;
  count: number;
}

export interface LatencySummary {
  /** Cumulative counts: decisions taken within `le` seconds of the case's creation. */
  buckets: Array<{ le: number; count: number }>;
  count: number;
  sumSeconds: number;
}

export interface SourceDecisions {
  sourceId: string;
  confirmed: number;
  decided: number;
}

export class MetricsRepository {
  constructor(private readonly db: Queryable) {}

  async caseCounts(): Promise<CaseCount[]> {
    const res = await this.db.query<CaseCount>(
      'SELECT violation_type AS type, status, count(*) AS count FROM cases GROUP BY 1, 2 ORDER BY 1, 2',
    );
    return res.rows;
  }

  async reviewLatency(bounds: readonly number[]): Promise<LatencySummary> {
    const decided = `SELECT extract(epoch FROM decided_at - created_at)::float8 AS s
                     FROM cases WHERE decided_at IS NOT NULL`;
    const buckets = await this.db.query<{ le: number; count: number }>(
      `WITH d AS (${decided})
       SELECT b.le, (SELECT count(*) FROM d WHERE d.s <= b.le) AS count
       FROM unnest($1::float8[]) AS b(le) ORDER BY b.le`,
      [bounds],
    );
    const total = await this.db.query<{ count: number; sum: number }>(
      `WITH d AS (${decided}) SELECT count(*) AS count, COALESCE(sum(s), 0)::float8 AS sum FROM d`,
    );
    const row = total.rows[0];
    return { buckets: buckets.rows, count: row?.count ?? 0, sumSeconds: row?.sum ?? 0 };
  }

  async decisionsBySource(confirmedStatuses: readonly string[]): Promise<SourceDecisions[]> {
    const res = await this.db.query<{ source_id: string; confirmed: number; decided: number }>(
      `SELECT source_id,
              count(*) FILTER (WHERE status = ANY($1::text[])) AS confirmed,
              count(*) AS decided
       FROM cases
       WHERE status = ANY($1::text[]) OR status = 'rejected'
       GROUP BY source_id ORDER BY source_id`,
      [confirmedStatuses],
    );
    return res.rows.map((r) => ({ sourceId: r.source_id, confirmed: r.confirmed, decided: r.decided }));
  }
}
