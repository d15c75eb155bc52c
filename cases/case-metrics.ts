/** The numbers operators watch: the review backlog, how fast reviewers decide, how often a source is right. */
import { MetricsRepository } from '../repositories/database-metrics.js';
import type { Database } from '../repositories/database-repository.js';
import { CONFIRMED_LIKE } from './case-lifecycle.js';
import { CASE_STATUSES, VIOLATION_TYPES } from './case-model.js';

/** Seconds; from "within the minute" to "next day", matching how command centres report review times. */
export const REVIEW_LATENCY_BOUNDS = [30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400];

export interface CaseMetricsSnapshot {
  cases: Array<{ type: string; status: string; count: number }>;
  reviewLatency: { buckets: Array<{ le: number; count: number }>; count: number; sumSeconds: number };
  precision: Array<{ sourceId: string; confirmed: number; decided: number; precision: number }>;
}

export class CaseMetrics {
  constructor(private readonly db: Database) {}

  async snapshot(): Promise<CaseMetricsSnapshot> {
    const repo = new MetricsRepository(this.db);
    const counts = await repo.caseCounts();
    // Every type × status appears, zeros included, so dashboards see a series drop to 0 instead of vanish.
    const cases = VIOLATION_TYPES.flatMap((type) =>
      CASE_STATUSES.map((status) => ({
        type,
        status,
        count: counts.find((c) => c.type === type && c.status === status)?.count ?? 0,
      })),
    );
    const latency = await repo.reviewLatency(REVIEW_LATENCY_BOUNDS);
    const decisions = await repo.decisionsBySource(CONFIRMED_LIKE);
    return {
      cases,
      reviewLatency: {
        buckets: [...latency.buckets, { le: Infinity, count: latency.count }],
        count: latency.count,
        sumSeconds: latency.sumSeconds,
      },
      precision: decisions.map((d) => ({ ...d, precision: d.decided === 0 ? 0 : d.confirmed / d.decided })),
    };
  }
}
