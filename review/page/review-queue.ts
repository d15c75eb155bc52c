/**
 * The reviewer's queue: candidates in the chosen order, the current one, and the ones marked for a
 * bulk decision. The current case is tracked by id, never by position, so cases arriving live or
 * leaving because someone else decided them never move the reviewer off the case they are on.
 */
import type { Case, ViolationType } from '../../cases/case-model.js';

export type SortOrder = 'newest' | 'confidence';

export interface QueueFilters {
  types: ViolationType[];
  /** Exact source id; empty for all. */
  source: string;
  /** ISO instants bounding first_seen, as the API's `from` (inclusive) and `to` (exclusive). */
  from: string | null;
  to: string | null;
}

export const NO_FILTERS: QueueFilters = { types: [], source: '', from: null, to: null };

/** Whether a case belongs in a queue with these filters (used for cases arriving live). */
export function matchesFilters(c: Case, f: QueueFilters): boolean {
  if (c.status !== 'candidate') return false;
  if (f.types.length > 0 && !f.types.includes(c.type)) return false;
  if (f.source && c.sourceId !== f.source) return false;
  const first = Date.parse(c.firstSeen);
  if (f.from !== null && first < Date.parse(f.from)) return false;
  if (f.to !== null && first >= Date.parse(f.to)) return false;
  return true;
}

function compareNewest(a: Case, b: Case): number {
  const d = Date.parse(b.createdAt) - Date.parse(a.createdAt);
  return d !== 0 ? d : a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

export function comparator(order: SortOrder): (a: Case, b: Case) => number {
  if (order === 'newest') return compareNewest;
  return (a, b) => b.confidence - a.confidence || compareNewest(a, b);
}

export interface UpsertOutcome {
  /** The case was not in the queue and now is. */
  added: boolean;
  /** The case was in the queue and left it (no longer a candidate, or no longer matching). */
  removed: boolean;
}

export class ReviewQueue {
  private items: Case[] = [];
  private readonly byId = new Map<string, Case>();
  private currentId: string | undefined;
  private readonly marks = new Set<string>();
  /** Ids that arrived live and the reviewer has not reached yet. */
  private readonly fresh = new Set<string>();
  /** Ids that must stay out (decided here and waiting in the undo window, or already sent). */
  private readonly held = new Set<string>();

  constructor(
    private order: SortOrder = 'newest',
    private filters: QueueFilters = NO_FILTERS,
  ) {}

  get size(): number {
    return this.items.length;
  }

  get sortOrder(): SortOrder {
    return this.order;
  }

  get activeFilters(): QueueFilters {
    return this.filters;
  }

  list(): readonly Case[] {
    return this.items;
  }

  get(id: string): Case | undefined {
    return this.byId.get(id);
  }

  current(): Case | undefined {
    return this.currentId === undefined ? undefined : this.byId.get(this.currentId);
  }

  indexOfCurrent(): number {
    const c = this.current();
    return c ? this.items.indexOf(c) : -1;
  }

  /** Replaces everything (a fresh load after a filter change); keeps the current case if it is still there. */
  reset(cases: readonly Case[], filters: QueueFilters = this.filters): void {
    this.filters = filters;
    this.items = [];
    this.byId.clear();
    this.fresh.clear();
    for (const id of [...this.marks]) if (!cases.some((c) => c.id === id)) this.marks.delete(id);
    this.addAll(cases);
    if (!this.current()) this.currentId = this.items[0]?.id;
  }

  /** Adds a further page; cases already known are refreshed instead. */
  addPage(cases: readonly Case[]): void {
    this.addAll(cases);
    if (!this.current()) this.currentId = this.items[0]?.id;
  }

  setOrder(order: SortOrder): void {
    this.order = order;
    this.items.sort(comparator(order));
  }

  /**
   * A case as the live stream or a reload reports it: added when it is a matching candidate,
   * refreshed when known (a newer version), removed when it no longer belongs.
   */
  upsert(c: Case, opts: { live?: boolean } = {}): UpsertOutcome {
    const outcome = this.apply(c, opts.live ?? false);
    if (!this.current()) this.currentId = this.items[0]?.id;
    return outcome;
  }

  private apply(c: Case, live: boolean): UpsertOutcome {
    const known = this.byId.get(c.id);
    const belongs = matchesFilters(c, this.filters) && !this.held.has(c.id);
    if (!belongs) {
      if (!known) return { added: false, removed: false };
      this.remove(c.id);
      return { added: false, removed: true };
    }
    if (known) {
      if (c.version < known.version) return { added: false, removed: false };
      this.items[this.items.indexOf(known)] = c;
      this.byId.set(c.id, c);
      this.items.sort(comparator(this.order));
      return { added: false, removed: false };
    }
    this.insert(c);
    if (live) this.fresh.add(c.id);
    return { added: true, removed: false };
  }

  /**
   * Takes a case out. When it was the current one, the case after it becomes current (or the
   * one before, at the end), which is where a reviewer working down the list expects to be.
   */
  remove(id: string): Case | undefined {
    const c = this.byId.get(id);
    if (!c) return undefined;
    const index = this.items.indexOf(c);
    this.items.splice(index, 1);
    this.byId.delete(id);
    this.marks.delete(id);
    this.fresh.delete(id);
    if (this.currentId === id) {
      this.currentId = (this.items[index] ?? this.items[index - 1])?.id;
    }
    return c;
  }

  /** Keeps a case out of the queue (decided here); `release` lets it back in (undo). */
  hold(id: string): void {
    this.held.add(id);
  }

  release(id: string): void {
    this.held.delete(id);
  }

  isHeld(id: string): boolean {
    return this.held.has(id);
  }

  /** Puts a case back (an undone decision) and makes it current. */
  restore(c: Case): void {
    this.held.delete(c.id);
    if (!this.byId.has(c.id)) this.insert(c);
    this.currentId = c.id;
  }

  select(id: string): boolean {
    if (!this.byId.has(id)) return false;
    this.currentId = id;
    this.fresh.delete(id);
    return true;
  }

  /** Moves by `step` (±1); false at either end. */
  move(step: number): boolean {
    const index = this.indexOfCurrent();
    const next = this.items[index === -1 ? 0 : index + step];
    if (!next) return false;
    this.currentId = next.id;
    this.fresh.delete(next.id);
    return true;
  }

  toggleMark(id: string): boolean {
    if (!this.byId.has(id)) return false;
    if (this.marks.has(id)) this.marks.delete(id);
    else this.marks.add(id);
    return this.marks.has(id);
  }

  mark(ids: Iterable<string>): number {
    let n = 0;
    for (const id of ids) {
      if (this.byId.has(id) && !this.marks.has(id)) {
        this.marks.add(id);
        n++;
      }
    }
    return n;
  }

  clearMarks(): void {
    this.marks.clear();
  }

  isMarked(id: string): boolean {
    return this.marks.has(id);
  }

  /** Marked cases in queue order. */
  marked(): Case[] {
    return this.items.filter((c) => this.marks.has(c.id));
  }

  isFresh(id: string): boolean {
    return this.fresh.has(id);
  }

  freshCount(): number {
    return this.fresh.size;
  }

  clearFresh(): void {
    this.fresh.clear();
  }

  private addAll(cases: readonly Case[]): void {
    for (const c of cases) this.apply(c, false);
  }

  private insert(c: Case): void {
    const cmp = comparator(this.order);
    // Binary search: live arrivals into a long queue should not re-sort it.
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cmp(this.items[mid] as Case, c) <= 0) lo = mid + 1;
      else hi = mid;
    }
    this.items.splice(lo, 0, c);
    this.byId.set(c.id, c);
  }
}
