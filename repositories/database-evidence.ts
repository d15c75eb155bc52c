/** SQL for case evidence records. Callers pass the Queryable (a transaction or the pool). */
import type { EvidenceKind, EvidenceMeta, EvidenceRecord } from '../evidence/evidence-model.js';
import type { Queryable } from './database-repository.js';

interface EvidenceRow {
  case_id: string;
  kind: EvidenceKind;
  key: string;
  content_type: string;
  bytes: number;
  sha256: string;
  created_at: Date;
  meta: EvidenceMeta | null;
}

function toRecord(r: EvidenceRow): EvidenceRecord {
  return {
    caseId: r.case_id,
    kind: r.kind,
    key: r.key,
    contentType: r.content_type,
    bytes: r.bytes,
    sha256: r.sha256,
    createdAt: r.created_at.toISOString(),
    ...(r.meta ? { meta: r.meta } : {}),
  };
}

export type NewEvidence = Omit<EvidenceRecord, 'createdAt'>;

export class EvidenceRepository {
  constructor(private readonly db: Queryable) {}

  async caseExists(caseId: string): Promise<boolean> {
    const res = await this.db.query('SELECT 1 FROM cases WHERE id = $1', [caseId]);
    return res.rows.length > 0;
  }

  /** Records the file unless the case already has this kind; returns whichever row stands. */
  async insertIfAbsent(e: NewEvidence): Promise<EvidenceRecord> {
    const res = await this.db.query<EvidenceRow>(
      `INSERT INTO case_evidence (case_id, kind, key, content_type, bytes, sha256, meta)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)
       ON CONFLICT (case_id, kind) DO NOTHING
       RETURNING *`,
      [e.caseId, e.kind, e.key, e.contentType, e.bytes, e.sha256, e.meta ? JSON.stringify(e.meta) : null],
    );
    const row = res.rows[0];
    if (row) return toRecord(row);
    const existing = await this.find(e.caseId, e.kind);
    if (!existing) throw new Error(`evidence ${e.caseId}/${e.kind} conflicted but cannot be read`);
    return existing;
  }

  async find(caseId: string, kind: EvidenceKind): Promise<EvidenceRecord | undefined> {
    const res = await this.db.query<EvidenceRow>(
      'SELECT * FROM case_evidence WHERE case_id = $1 AND kind = $2',
      [caseId, kind],
    );
    const row = res.rows[0];
    return row ? toRecord(row) : undefined;
  }

  async list(caseId: string): Promise<EvidenceRecord[]> {
    const res = await this.db.query<EvidenceRow>(
      'SELECT * FROM case_evidence WHERE case_id = $1 ORDER BY id',
      [caseId],
    );
    return res.rows.map(toRecord);
  }

  async count(caseId: string): Promise<number> {
    const res = await this.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM case_evidence WHERE case_id = $1',
      [caseId],
    );
    return res.rows[0]?.n ?? 0;
  }
}
