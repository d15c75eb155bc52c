/** SQL for cases and their audit trail. Callers pass the Queryable (a transaction or the pool). */
import type {
  Case,
  CaseAction,
  CaseEvent,
  CaseFilters,
  CaseStatus,
  Category,
  Closure,
  EvidenceItem,
  RejectReason,
  ViolationType,
} from '../cases/case-model.js';
import type { Queryable } from './database-repository.js';

export interface CaseRow {
  id: string;
  seq: number;
  violation_id: string;
  violation_type: ViolationType;
  category_code: string;
  category_name: string;
  category_full_code: string | null;
  status: CaseStatus;
  confidence: number;
  source_id: string;
  zone_id: string | null;
  latitude: number | null;
  longitude: number | null;
  address: string | null;
  grid_cell: string | null;
  first_seen: Date;
  last_seen: Date;
  dwell_seconds: number;
  model_name: string | null;
  model_version: string | null;
  rule_params: Record<string, unknown>;
  evidence: EvidenceItem[];
  description: string | null;
  reject_reason: RejectReason | null;
  reject_text: string | null;
  closure: Closure | null;
  decided_at: Date | null;
  decided_by: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

interface EventRow {
  id: number;
  case_id: string;
  at: Date;
  actor: string;
  action: CaseAction;
  from_status: CaseStatus | null;
  to_status: CaseStatus | null;
  reason: string | null;
  details: Record<string, unknown>;
}

export function toCase(r: CaseRow): Case {
  return {
    id: r.id,
    violationId: r.violation_id,
    type: r.violation_type,
    category: { code: r.category_code, name: r.category_name, fullCode: r.category_full_code },
    status: r.status,
    confidence: r.confidence,
    sourceId: r.source_id,
    zoneId: r.zone_id,
    location: r.latitude === null || r.longitude === null ? null : { lat: r.latitude, lon: r.longitude },
    address: r.address,
    gridCell: r.grid_cell,
    firstSeen: r.first_seen.toISOString(),
    lastSeen: r.last_seen.toISOString(),
    dwellSeconds: r.dwell_seconds,
    model: r.model_name === null ? null : { name: r.model_name, version: r.model_version ?? '' },
    ruleParams: r.rule_params,
    evidence: r.evidence,
    description: r.description,
    rejection: r.reject_reason === null ? null : { reason: r.reject_reason, text: r.reject_text },
    closure: r.closure,
    decidedAt: r.decided_at?.toISOString() ?? null,
    decidedBy: r.decided_by,
    version: r.version,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

function toEvent(r: EventRow): CaseEvent {
  return {
    id: r.id,
    caseId: r.case_id,
    at: r.at.toISOString(),
    actor: r.actor,
    action: r.action,
    fromStatus: r.from_status,
    toStatus: r.to_status,
    reason: r.reason,
    details: r.details,
  };
}

/** What the violation engine observed; refreshed on every repeat of the same violation. */
export interface Observation {
  confidence: number;
  zoneId: string | null;
  location: { lat: number; lon: number } | null;
  address: string | null;
  gridCell: string | null;
  firstSeen: Date;
  lastSeen: Date;
  dwellSeconds: number;
  model: { name: string; version: string } | null;
  ruleParams: Record<string, unknown>;
  evidence: EvidenceItem[];
}

export interface NewCase extends Observation {
  violationId: string;
  type: ViolationType;
  category: Category;
  sourceId: string;
}

/** A status change and what a person decided with it; absent fields keep their value. */
export interface CaseChange {
  status: CaseStatus;
  type?: ViolationType;
  category?: Category;
  description?: string;
  rejection?: { reason: RejectReason; text: string | null };
  closure?: Closure;
  /** Stamps decided_at with the transaction time. */
  decidedBy?: string;
}

export interface NewCaseEvent {
  caseId: string;
  actor: string;
  action: CaseAction;
  fromStatus: CaseStatus | null;
  toStatus: CaseStatus | null;
  reason?: string | null;
  details?: Record<string, unknown>;
}

const OBSERVATION_COLUMNS = `confidence, zone_id, latitude, longitude, address, grid_cell, first_seen, last_seen,
  dwell_seconds, model_name, model_version, rule_params, evidence`;

function observationParams(o: Observation): unknown[] {
  return [
    o.confidence,
    o.zoneId,
    o.location?.lat ?? null,
    o.location?.lon ?? null,
    o.address,
    o.gridCell,
    o.firstSeen,
    o.lastSeen,
    o.dwellSeconds,
    o.model?.name ?? null,
    o.model?.version ?? null,
    JSON.stringify(o.ruleParams),
    JSON.stringify(o.evidence),
  ];
}

/** A list page's rows with the seq its cursor is made from. */
function paged(rows: readonly CaseRow[]): Array<{ value: Case; seq: number }> {
  return rows.map((r) => ({ value: toCase(r), seq: r.seq }));
}

/** An instant as Date.prototype.toISOString writes it (milliseconds truncated, UTC, 'Z'). */
const isoSql = (column: string): string =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * A case row `c` rendered by PostgreSQL as the API's JSON, the same document toCase and the
 * response schema produce (a test holds the two to that). Lists and details send it as it comes:
 * parsing 30 columns, building objects and serialising them again cost the API process about
 * 40 µs per case, 2 ms a page, on the one thread every request shares (bench:api).
 */
const CASE_JSON = `json_build_object(
  'id', c.id, 'violationId', c.violation_id, 'type', c.violation_type,
  'category', json_build_object('code', c.category_code, 'name', c.category_name, 'fullCode', c.category_full_code),
  'status', c.status, 'confidence', c.confidence, 'sourceId', c.source_id, 'zoneId', c.zone_id,
  'location', CASE WHEN c.latitude IS NULL OR c.longitude IS NULL THEN NULL
    ELSE json_build_object('lat', c.latitude, 'lon', c.longitude) END,
  'address', c.address, 'gridCell', c.grid_cell,
  'firstSeen', ${isoSql('c.first_seen')}, 'lastSeen', ${isoSql('c.last_seen')}, 'dwellSeconds', c.dwell_seconds,
  'model', CASE WHEN c.model_name IS NULL THEN NULL
    ELSE json_build_object('name', c.model_name, 'version', COALESCE(c.model_version, '')) END,
  'ruleParams', c.rule_params, 'evidence', c.evidence, 'description', c.description,
  'rejection', CASE WHEN c.reject_reason IS NULL THEN NULL
    ELSE json_build_object('reason', c.reject_reason, 'text', c.reject_text) END,
  'closure', c.closure, 'decidedAt', ${isoSql('c.decided_at')}, 'decidedBy', c.decided_by,
  'version', c.version, 'createdAt', ${isoSql('c.created_at')}, 'updatedAt', ${isoSql('c.updated_at')})::text`;

/** A case as the API's JSON text, and the seq its list cursor is made from. */
export interface CaseJson {
  seq: number;
  json: string;
}

/** Wraps a query of case rows, keeping its order, into one of {@link CaseJson}. */
const renderJson = (rowQuery: string): string =>
  `SELECT c.seq, ${CASE_JSON} AS json FROM (${rowQuery}) AS c ORDER BY c.seq DESC`;

/** The rows of the seqs `seqQuery` selects, newest first: a page found from indexes, then read. */
const rowsOf = (seqQuery: string): string =>
  `SELECT * FROM cases WHERE seq IN (${seqQuery}) ORDER BY seq DESC`;

/** Newest cases searched for a bounding-box page before the spatial index is used (see listInBox). */
const BOX_SCAN_ROWS = 2000;

export class CaseRepository {
  constructor(private readonly db: Queryable) {}

  /** Inserts the case unless its violation id exists; null means it existed. */
  async insertIfAbsent(c: NewCase): Promise<Case | null> {
    const res = await this.db.query<CaseRow>(
      `INSERT INTO cases (violation_id, violation_type, category_code, category_name, category_full_code,
         source_id, ${OBSERVATION_COLUMNS})
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18::jsonb, $19::jsonb)
       ON CONFLICT (violation_id) DO NOTHING
       RETURNING *`,
      [
        c.violationId,
        c.type,
        c.category.code,
        c.category.name,
        c.category.fullCode,
        c.sourceId,
        ...observationParams(c),
      ],
    );
    const row = res.rows[0];
    return row ? toCase(row) : null;
  }

  /**
   * Replaces the observation of a still-undecided case. A retried job carrying an older
   * observation than the stored one changes nothing, so replays cannot move a case backwards.
   */
  async refreshObservation(violationId: string, o: Observation): Promise<Case | null> {
    const res = await this.db.query<CaseRow>(
      `UPDATE cases SET (${OBSERVATION_COLUMNS}) =
         ($2, $3, $4, $5, $6, $7, LEAST(first_seen, $8), $9, $10, $11, $12, $13::jsonb, $14::jsonb),
         updated_at = now()
       WHERE violation_id = $1 AND status = 'candidate' AND last_seen < $9
       RETURNING *`,
      [violationId, ...observationParams(o)],
    );
    const row = res.rows[0];
    return row ? toCase(row) : null;
  }

  async findByViolationId(violationId: string): Promise<Case | undefined> {
    const res = await this.db.query<CaseRow>('SELECT * FROM cases WHERE violation_id = $1', [violationId]);
    const row = res.rows[0];
    return row ? toCase(row) : undefined;
  }

  async findById(id: string): Promise<Case | undefined> {
    const res = await this.db.query<CaseRow>('SELECT * FROM cases WHERE id = $1', [id]);
    const row = res.rows[0];
    return row ? toCase(row) : undefined;
  }

  /** Reads a case and holds its row lock until the transaction ends (serialises decisions). */
  async lockById(id: string): Promise<Case | undefined> {
    const res = await this.db.query<CaseRow>('SELECT * FROM cases WHERE id = $1 FOR UPDATE', [id]);
    const row = res.rows[0];
    return row ? toCase(row) : undefined;
  }

  async applyChange(id: string, change: CaseChange): Promise<Case> {
    const res = await this.db.query<CaseRow>(
      `UPDATE cases SET
         status = $2,
         violation_type = COALESCE($3::text, violation_type),
         category_code = COALESCE($4::text, category_code),
         category_name = COALESCE($5::text, category_name),
         category_full_code = CASE WHEN $4::text IS NULL THEN category_full_code ELSE $6::text END,
         description = COALESCE($7::text, description),
         reject_reason = COALESCE($8::text, reject_reason),
         reject_text = COALESCE($9::text, reject_text),
         closure = COALESCE($10::text, closure),
         decided_at = CASE WHEN $11::text IS NULL THEN decided_at ELSE now() END,
         decided_by = COALESCE($11::text, decided_by),
         version = version + 1,
         updated_at = now()
       WHERE id = $1
       RETURNING *`,
      [
        id,
        change.status,
        change.type ?? null,
        change.category?.code ?? null,
        change.category?.name ?? null,
        change.category?.fullCode ?? null,
        change.description ?? null,
        change.rejection?.reason ?? null,
        change.rejection?.text ?? null,
        change.closure ?? null,
        change.decidedBy ?? null,
      ],
    );
    const row = res.rows[0];
    if (!row) throw new Error(`case ${id} vanished inside its own transaction`);
    return toCase(row);
  }

  /** Newest first, strictly before `beforeSeq` when given; returns up to `limit` cases and their seq. */
  async list(
    filters: CaseFilters,
    beforeSeq: number | undefined,
    limit: number,
  ): Promise<Array<{ value: Case; seq: number }>> {
    return paged(await this.listRows<CaseRow>(filters, beforeSeq, limit, (rows) => rows));
  }

  /** {@link list}, each case rendered as its API JSON by PostgreSQL. */
  async listJson(filters: CaseFilters, beforeSeq: number | undefined, limit: number): Promise<CaseJson[]> {
    return this.listRows<CaseJson>(filters, beforeSeq, limit, renderJson);
  }

  /** The case's API JSON, as PostgreSQL renders it for lists. */
  async findJsonById(id: string): Promise<string | undefined> {
    const res = await this.db.query<CaseJson>(renderJson('SELECT * FROM cases WHERE id = $1'), [id]);
    return res.rows[0]?.json;
  }

  /**
   * The rows of a list page, built by a query whose result `select` may wrap (it must keep the
   * order, and `seq`). Wrapping the finished page, rather than changing the columns of the query
   * that finds it, renders only the page's rows and leaves the plans below untouched.
   */
  private async listRows<T>(
    filters: CaseFilters,
    beforeSeq: number | undefined,
    limit: number,
    select: (pageQuery: string) => string,
  ): Promise<T[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: (p: string) => string, value: unknown): void => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    // One value is written as equality: PostgreSQL 15 cannot read `= ANY(…)` from the (status, seq)
    // and (type, seq) indexes in seq order, so it can only walk seq backwards past every other
    // case. With equality it may take the index: with random_page_cost 1.1 (the usual setting
    // for SSDs) it does, and status=confirmed amid 100k cases, the newest 2,000 of them
    // candidates, takes 0.35 ms instead of 0.63 ms.
    const oneOf = (column: string, values: readonly string[]): void => {
      if (values.length === 1) add((p) => `${column} = ${p}`, values[0]);
      else add((p) => `${column} = ANY(${p}::text[])`, values);
    };
    if (filters.statuses?.length) oneOf('status', filters.statuses);
    if (filters.types?.length) oneOf('violation_type', filters.types);
    if (filters.sourceId !== undefined) add((p) => `source_id = ${p}`, filters.sourceId);
    if (filters.zoneId !== undefined) add((p) => `zone_id = ${p}`, filters.zoneId);
    if (filters.firstSeenFrom) add((p) => `first_seen >= ${p}`, filters.firstSeenFrom);
    if (filters.firstSeenTo) add((p) => `first_seen < ${p}`, filters.firstSeenTo);
    if (beforeSeq !== undefined) add((p) => `seq < ${p}`, beforeSeq);
    const conditions = where.length ? `WHERE ${where.join(' AND ')}` : '';
    // With a closed time window PostgreSQL otherwise walks seq backwards and discards every case
    // outside the window (248 ms for a week amid 100k cases); `seq + 0` hides the seq index so it
    // takes the (first_seen, seq) index and sorts the window's seqs instead, and only the page's
    // rows are then read (1.2 ms; migration 0009, bench:api).
    const window = Boolean(filters.firstSeenFrom && filters.firstSeenTo);
    const order = window ? 'seq + 0' : 'seq';
    if (!filters.bbox) {
      const page = `SELECT ${window ? 'seq' : '*'} FROM cases ${conditions} ORDER BY ${order} DESC LIMIT $${params.length + 1}`;
      const res = await this.db.query<T>(select(window ? rowsOf(page) : page), [...params, limit]);
      return res.rows;
    }
    return this.listInBox(filters.bbox, conditions, params, order, limit, select);
  }

  /**
   * A bounding box has no selectivity estimate PostgreSQL can use, so neither plan suits every
   * box: walking seq backwards is fastest where the box is dense and scans the whole table where
   * it is sparse; the spatial index is the reverse. So: look for the page among the newest
   * BOX_SCAN_ROWS matching cases first, which is enough for a dense box (and then exactly the
   * right page: any match further back is older), and only when that comes up short take the
   * spatial index, which is then cheap because the box is sparse.
   */
  private async listInBox<T>(
    box: NonNullable<CaseFilters['bbox']>,
    conditions: string,
    params: unknown[],
    order: string,
    limit: number,
    select: (pageQuery: string) => string,
  ): Promise<T[]> {
    const n = params.length;
    const inBox = `longitude BETWEEN $${n + 1} AND $${n + 2} AND latitude BETWEEN $${n + 3} AND $${n + 4}`;
    const boxParams = [...params, box.minLon, box.maxLon, box.minLat, box.maxLat];
    // Each step finds seqs (from indexes alone where the filters allow, migration 0010) and only
    // then reads the page's rows.
    const recent = await this.db.query<T>(
      select(
        rowsOf(`SELECT seq FROM (SELECT seq, longitude, latitude FROM cases ${conditions}
           ORDER BY ${order} DESC LIMIT ${BOX_SCAN_ROWS}) AS newest
         WHERE ${inBox} ORDER BY seq DESC LIMIT $${n + 5}`),
      ),
      [...boxParams, limit],
    );
    if (recent.rows.length < limit) {
      const spatial = `point(longitude, latitude) <@ box(point($${n + 1}, $${n + 3}), point($${n + 2}, $${n + 4}))`;
      const all = await this.db.query<T>(
        select(
          rowsOf(`SELECT seq FROM cases ${conditions ? `${conditions} AND` : 'WHERE'} latitude IS NOT NULL AND ${spatial}
           ORDER BY seq DESC LIMIT $${n + 5}`),
        ),
        [...boxParams, limit],
      );
      return all.rows;
    }
    return recent.rows;
  }

  async addEvent(e: NewCaseEvent): Promise<CaseEvent> {
    const res = await this.db.query<EventRow>(
      `INSERT INTO case_events (case_id, actor, action, from_status, to_status, reason, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)
       RETURNING *`,
      [
        e.caseId,
        e.actor,
        e.action,
        e.fromStatus,
        e.toStatus,
        e.reason ?? null,
        JSON.stringify(e.details ?? {}),
      ],
    );
    return toEvent(res.rows[0] as EventRow);
  }

  async listEvents(caseId: string): Promise<CaseEvent[]> {
    const res = await this.db.query<EventRow>('SELECT * FROM case_events WHERE case_id = $1 ORDER BY id', [
      caseId,
    ]);
    return res.rows.map(toEvent);
  }
}
