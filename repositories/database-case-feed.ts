/** SQL for the live case feed: the notification channel and cases by change number. */
import type { Case } from '../cases/case-model.js';
import { toCase, type CaseRow } from './database-cases.js';
import { schemaChannel, type Queryable } from './database-repository.js';

interface FeedRow extends CaseRow {
  change_seq: number;
  created_change_seq: number;
}

export interface CaseChange {
  /** The change number: increases with every insert or update of any case. */
  seq: number;
  /** When the case itself was created. */
  createdSeq: number;
  value: Case;
}

function toChange(r: FeedRow): CaseChange {
  return { seq: r.change_seq, createdSeq: r.created_change_seq, value: toCase(r) };
}

/** The NOTIFY channel of the schema this handle works in; the trigger in migration 0003 names it the same way. */
export function caseChannel(db: Queryable): Promise<string> {
  return schemaChannel(db, 'gw_cases_');
}

export class CaseFeedRepository {
  constructor(private readonly db: Queryable) {}

  async findByIds(ids: readonly string[]): Promise<CaseChange[]> {
    if (ids.length === 0) return [];
    const res = await this.db.query<FeedRow>('SELECT * FROM cases WHERE id = ANY($1::uuid[])', [ids]);
    return res.rows.map(toChange);
  }

  /** Cases changed after change number `after`, oldest change first, each in its current state. */
  async changedSince(after: number, limit: number): Promise<CaseChange[]> {
    const res = await this.db.query<FeedRow>(
      'SELECT * FROM cases WHERE change_seq > $1 ORDER BY change_seq LIMIT $2',
      [after, limit],
    );
    return res.rows.map(toChange);
  }

  /** The newest change number, 0 when no case exists. */
  async latestSeq(): Promise<number> {
    const res = await this.db.query<{ seq: number | null }>('SELECT max(change_seq) AS seq FROM cases');
    return res.rows[0]?.seq ?? 0;
  }
}
