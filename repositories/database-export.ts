/** SQL for the training-data export: decided cases, in insertion order, a page at a time. */
import type { Case, CaseStatus } from '../cases/case-model.js';
import { toCase, type CaseRow } from './database-cases.js';
import type { Queryable } from './database-repository.js';

export interface DecidedFilters {
  statuses: readonly CaseStatus[];
  /** Inclusive lower and exclusive upper bound on decided_at. */
  decidedFrom?: Date | undefined;
  decidedTo?: Date | undefined;
}

export class ExportRepository {
  constructor(private readonly db: Queryable) {}

  /** Decided cases after `afterSeq`, oldest first. */
  async decidedPage(
    filters: DecidedFilters,
    afterSeq: number,
    limit: number,
  ): Promise<Array<{ value: Case; seq: number }>> {
    const params: unknown[] = [filters.statuses, afterSeq];
    const where = ['decided_at IS NOT NULL', 'status = ANY($1::text[])', 'seq > $2'];
    if (filters.decidedFrom) {
      params.push(filters.decidedFrom);
      where.push(`decided_at >= $${params.length}`);
    }
    if (filters.decidedTo) {
      params.push(filters.decidedTo);
      where.push(`decided_at < $${params.length}`);
    }
    params.push(limit);
    const res = await this.db.query<CaseRow>(
      `SELECT * FROM cases WHERE ${where.join(' AND ')} ORDER BY seq LIMIT $${params.length}`,
      params,
    );
    return res.rows.map((r) => ({ value: toCase(r), seq: r.seq }));
  }
}
