/**
 * SQL for flight analysis runs: the plan a flight was split by (written once, so every segment
 * job reads the same one) and each segment's analysis (written once per index, so a retried job
 * changes nothing).
 */
import type { SegmentAnalysis, VideoPlan } from '../pipeline/pipeline-types.js';
import type { Queryable } from './database-repository.js';

export class FlightRunRepository {
  constructor(private readonly db: Queryable) {}

  /** Stores the plan unless one is stored already; returns the stored one either way. */
  async savePlan(flightId: string, plan: VideoPlan): Promise<VideoPlan> {
    const res = await this.db.query<{ plan: VideoPlan }>(
      `WITH ins AS (
         INSERT INTO flight_runs (flight_id, plan, segment_count) VALUES ($1, $2::jsonb, $3)
         ON CONFLICT (flight_id) DO NOTHING RETURNING plan
       )
       SELECT plan FROM ins UNION ALL SELECT plan FROM flight_runs WHERE flight_id = $1 LIMIT 1`,
      [flightId, JSON.stringify(plan), plan.segments.length],
    );
    const stored = res.rows[0]?.plan ?? (await this.findPlan(flightId));
    // Only a concurrent writer's row committed after this statement's snapshot gets here.
    if (!stored) throw new Error(`flight run ${flightId} vanished while its plan was being stored`);
    return stored;
  }

  async findPlan(flightId: string): Promise<VideoPlan | undefined> {
    const res = await this.db.query<{ plan: VideoPlan }>(
      'SELECT plan FROM flight_runs WHERE flight_id = $1',
      [flightId],
    );
    return res.rows[0]?.plan;
  }

  /** True when this call stored the analysis, false when the segment already had one. */
  async saveSegment(flightId: string, index: number, analysis: SegmentAnalysis): Promise<boolean> {
    const res = await this.db.query(
      `INSERT INTO flight_segments (flight_id, segment_index, analysis) VALUES ($1, $2, $3::jsonb)
       ON CONFLICT (flight_id, segment_index) DO NOTHING`,
      [flightId, index, JSON.stringify(analysis)],
    );
    return res.rowCount > 0;
  }

  async hasSegment(flightId: string, index: number): Promise<boolean> {
    const res = await this.db.query(
      'SELECT 1 FROM flight_segments WHERE flight_id = $1 AND segment_index = $2',
      [flightId, index],
    );
    return res.rows.length > 0;
  }

  async countSegments(flightId: string): Promise<number> {
    const res = await this.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM flight_segments WHERE flight_id = $1',
      [flightId],
    );
    return res.rows[0]?.n ?? 0;
  }

  /** Every stored segment analysis of the flight, in segment order. */
  async listSegments(flightId: string): Promise<SegmentAnalysis[]> {
    const res = await this.db.query<{ analysis: SegmentAnalysis }>(
      'SELECT analysis FROM flight_segments WHERE flight_id = $1 ORDER BY segment_index',
      [flightId],
    );
    return res.rows.map((r) => r.analysis);
  }
}
