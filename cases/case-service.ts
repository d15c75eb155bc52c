/**
 * Case logic: turning violations into candidate cases idempotently, and moving cases through
 * their lifecycle with optimistic concurrency and an audit event in the same transaction.
 */
import { InvalidInputError } from '../common/errors.js';
import { CaseRepository, type CaseChange, type Observation } from '../repositories/database-cases.js';
import type { Database } from '../repositories/database-repository.js';
import { InvalidTransitionError, NotFoundError, VersionConflictError } from './case-errors.js';
import { canTransition, nextStatuses } from './case-lifecycle.js';
import type {
  Case,
  CaseAction,
  CaseEvent,
  CaseFilters,
  CaseStatus,
  Closure,
  Page,
  RejectReason,
  ViolationType,
} from './case-model.js';
import type { CategoryCodes } from './category-codes.js';
import { decodeSeqCursor, encodeCursor, pageLimit } from './page-cursor.js';
import { checkViolation, type CheckedViolation } from './violation-input.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CURSOR_KIND = 'cases';
export const MAX_PAGE_SIZE = 200;
/** Actor recorded for changes the pipeline makes on its own. */
export const SYSTEM_ACTOR = 'system';

export interface UpsertResult {
  case: Case;
  /** True when this call created the case. */
  created: boolean;
  /** True when an existing candidate took this newer observation. */
  updated: boolean;
}

export interface PageRequest {
  cursor?: string | undefined;
  limit?: number | undefined;
}

export interface ConfirmInput {
  expectedVersion: number;
  actor: string;
  /** The reviewer may correct what the model thought it saw. */
  type?: ViolationType | undefined;
  /** A code from the category table; defaults to the type's code when the type changes. */
  code?: string | undefined;
  description?: string | undefined;
}

export interface RejectInput {
  expectedVersion: number;
  actor: string;
  reason: RejectReason;
  text?: string | undefined;
}

export interface StepInput {
  actor: string;
  /** Omitted by automated callers that act on whatever the current version is. */
  expectedVersion?: number | undefined;
  note?: string | undefined;
}

function observationOf(v: CheckedViolation): Observation {
  return {
    confidence: v.confidence,
    zoneId: v.zoneId ?? null,
    location: v.location ?? null,
    address: v.address ?? null,
    gridCell: v.gridCell ?? null,
    firstSeen: v.firstSeen,
    lastSeen: v.lastSeen,
    dwellSeconds: v.dwellSeconds,
    model: v.model ?? null,
    ruleParams: v.ruleParams ?? {},
    evidence: v.evidence ?? [],
  };
}

export class CaseService {
  constructor(
    private readonly db: Database,
    private readonly codes: CategoryCodes,
  ) {}

  /**
   * Creates the candidate case for a violation, or refreshes it when the violation id is known.
   * Safe to repeat: a retried job yields the same case and no second 'created' event.
   */
  async upsertFromViolation(input: unknown): Promise<UpsertResult> {
    const v = checkViolation(input);
    const observation = observationOf(v);
    return this.db.transaction(async (tx) => {
      const repo = new CaseRepository(tx);
      const inserted = await repo.insertIfAbsent({
        ...observation,
        violationId: v.violationId,
        type: v.type,
        category: this.codes.forType(v.type),
        sourceId: v.sourceId,
      });
      if (inserted) {
        await repo.addEvent({
          caseId: inserted.id,
          actor: SYSTEM_ACTOR,
          action: 'created',
          fromStatus: null,
          toStatus: 'candidate',
          details: { violationId: v.violationId, confidence: v.confidence },
        });
        return { case: inserted, created: true, updated: false };
      }
      const refreshed = await repo.refreshObservation(v.violationId, observation);
      if (refreshed) return { case: refreshed, created: false, updated: true };
      const existing = await repo.findByViolationId(v.violationId);
      if (!existing)
        throw new Error(`case for violation ${v.violationId} vanished inside its own transaction`);
      return { case: existing, created: false, updated: false };
    });
  }

  async get(id: string): Promise<Case> {
    const found = UUID.test(id) ? await new CaseRepository(this.db).findById(id) : undefined;
    if (!found) throw new NotFoundError('case', id);
    return found;
  }

  /** {@link get}, rendered as the API's JSON text by the database. */
  async getJson(id: string): Promise<string> {
    const found = UUID.test(id) ? await new CaseRepository(this.db).findJsonById(id) : undefined;
    if (found === undefined) throw new NotFoundError('case', id);
    return found;
  }

  async list(filters: CaseFilters, page: PageRequest = {}): Promise<Page<Case>> {
    return this.page(page, (beforeSeq, limit) =>
      new CaseRepository(this.db)
        .list(filters, beforeSeq, limit)
        .then((rows) => rows.map((r) => ({ item: r.value, seq: r.seq }))),
    );
  }

  /** {@link list}, each case rendered as the API's JSON text by the database. */
  async listJson(filters: CaseFilters, page: PageRequest = {}): Promise<Page<string>> {
    return this.page(page, (beforeSeq, limit) =>
      new CaseRepository(this.db)
        .listJson(filters, beforeSeq, limit)
        .then((rows) => rows.map((r) => ({ item: r.json, seq: r.seq }))),
    );
  }

  private async page<T>(
    page: PageRequest,
    fetch: (beforeSeq: number | undefined, limit: number) => Promise<Array<{ item: T; seq: number }>>,
  ): Promise<Page<T>> {
    const limit = pageLimit(page.limit, 50, MAX_PAGE_SIZE);
    const beforeSeq = page.cursor === undefined ? undefined : decodeSeqCursor(CURSOR_KIND, page.cursor);
    // One extra row tells whether another page exists without a count query.
    const rows = await fetch(beforeSeq, limit + 1);
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map((r) => r.item),
      nextCursor: rows.length > limit && last ? encodeCursor(CURSOR_KIND, last.seq) : null,
    };
  }

  async events(id: string): Promise<CaseEvent[]> {
    await this.get(id);
    return new CaseRepository(this.db).listEvents(id);
  }

  async confirm(id: string, input: ConfirmInput): Promise<Case> {
    let category;
    if (input.code !== undefined) {
      category = this.codes.lookup(input.code);
      if (!category)
        throw new InvalidInputError(
          `category code '${input.code}' is not in the ${this.codes.standard} table`,
        );
    } else if (input.type !== undefined) {
      category = this.codes.forType(input.type);
    }
    return this.transition(id, 'confirmed', 'confirmed', input, {
      change: {
        status: 'confirmed',
        type: input.type,
        category,
        description: input.description,
        decidedBy: input.actor,
      },
      details: {
        ...(input.type ? { type: input.type } : {}),
        ...(category ? { code: category.code } : {}),
        ...(input.description ? { description: input.description } : {}),
      },
    });
  }

  async reject(id: string, input: RejectInput): Promise<Case> {
    const text = input.text?.trim() || null;
    if (input.reason === 'other' && !text) {
      throw new InvalidInputError("a rejection with reason 'other' needs a text saying why");
    }
    return this.transition(id, 'rejected', 'rejected', input, {
      change: { status: 'rejected', rejection: { reason: input.reason, text }, decidedBy: input.actor },
      reason: input.reason,
      details: text ? { text } : {},
    });
  }

  async markDispatched(id: string, input: StepInput): Promise<Case> {
    return this.transition(id, 'dispatched', 'dispatched', input, {
      change: { status: 'dispatched' },
      details: input.note ? { note: input.note } : {},
    });
  }

  async close(id: string, input: StepInput & { closure?: Closure | undefined }): Promise<Case> {
    const closure = input.closure ?? 'normal';
    return this.transition(id, 'closed', 'closed', input, {
      change: { status: 'closed', closure },
      reason: closure,
      details: input.note ? { note: input.note } : {},
    });
  }

  /** A candidate nobody decided in time; it leaves the review queue. */
  async expire(id: string, input: StepInput = { actor: SYSTEM_ACTOR }): Promise<Case> {
    return this.transition(id, 'expired', 'expired', input, {
      change: { status: 'expired' },
      details: input.note ? { note: input.note } : {},
    });
  }

  private async transition(
    id: string,
    to: CaseStatus,
    action: CaseAction,
    who: { actor: string; expectedVersion?: number | undefined },
    what: { change: CaseChange; reason?: string; details: Record<string, unknown> },
  ): Promise<Case> {
    if (!UUID.test(id)) throw new NotFoundError('case', id);
    return this.db.transaction(async (tx) => {
      const repo = new CaseRepository(tx);
      const current = await repo.lockById(id);
      if (!current) throw new NotFoundError('case', id);
      // A stale version is reported first: it tells the reviewer someone else acted, which is the
      // usual reason the transition is no longer allowed either.
      if (who.expectedVersion !== undefined && current.version !== who.expectedVersion) {
        throw new VersionConflictError('case', id, who.expectedVersion, current);
      }
      if (!canTransition(current.status, to)) {
        throw new InvalidTransitionError(id, current.status, to, nextStatuses(current.status));
      }
      const updated = await repo.applyChange(id, what.change);
      await repo.addEvent({
        caseId: id,
        actor: who.actor,
        action,
        fromStatus: current.status,
        toStatus: to,
        reason: what.reason ?? null,
        details: what.details,
      });
      return updated;
    });
  }
}
