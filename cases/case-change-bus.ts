/**
 * Notices that a case was created or changed, from every process working on the store. The store
 * itself announces each committed change (a trigger and NOTIFY, migration 0003), so no code path
 * can change a case without the feed hearing of it, and replicas hear each other's changes. The
 * interface lets another transport (Redis pub/sub relaying the same notices) stand in later.
 */
import { caseChannel } from '../repositories/database-case-feed.js';
import type { Database } from '../repositories/database-repository.js';

export interface CaseChangeNotice {
  caseId: string;
  /** The change number the store gave this change. */
  seq: number;
  /** The change created the case. */
  created: boolean;
}

export interface CaseChangeBus {
  /**
   * Resolves once listening: every change committed afterwards reaches onNotice. onGap means
   * notices may have been lost (a dropped connection); the caller re-reads by change number.
   */
  subscribe(onNotice: (notice: CaseChangeNotice) => void, onGap?: () => void): Promise<() => Promise<void>>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The trigger's JSON payload, checked: a notice from anything else on the channel is dropped. */
export function parseNotice(payload: string): CaseChangeNotice | undefined {
  let v: unknown;
  try {
    v = JSON.parse(payload);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const { id, seq, created } = v as Record<string, unknown>;
  if (typeof id !== 'string' || !UUID.test(id)) return undefined;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return undefined;
  return { caseId: id, seq, created: created === true };
}

/** LISTEN/NOTIFY on the store: PGlite in this process, or PostgreSQL across processes. */
export class DatabaseCaseChangeBus implements CaseChangeBus {
  constructor(private readonly db: Database) {}

  async subscribe(
    onNotice: (notice: CaseChangeNotice) => void,
    onGap?: () => void,
  ): Promise<() => Promise<void>> {
    const channel = await caseChannel(this.db);
    return this.db.listen(
      channel,
      (payload) => {
        const notice = parseNotice(payload);
        if (notice) onNotice(notice);
      },
      onGap,
    );
  }
}

/** An in-process bus that something else publishes to (unit tests; a relay from another transport). */
export class MemoryCaseChangeBus implements CaseChangeBus {
  private readonly listeners = new Set<(notice: CaseChangeNotice) => void>();

  publish(notice: CaseChangeNotice): void {
    for (const listener of this.listeners) listener(notice);
  }

  async subscribe(onNotice: (notice: CaseChangeNotice) => void): Promise<() => Promise<void>> {
    this.listeners.add(onNotice);
    return async () => {
      this.listeners.delete(onNotice);
    };
  }
}
