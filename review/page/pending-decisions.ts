/**
 * Decisions waiting out their undo window. The case lifecycle has no way back from confirmed or
 * rejected (a confirmed case may already be on its way to a department), so an undo cannot be a
 * compensating call: the decision is simply not sent until the window has passed.
 */
import type { Case, RejectReason } from '../../cases/case-model.js';

export type Verdict = { kind: 'confirm' } | { kind: 'reject'; reason: RejectReason; text?: string };

export interface Decision {
  id: number;
  verdict: Verdict;
  /** The cases as the reviewer saw them, versions included; several for a bulk rejection. */
  cases: Case[];
  decidedAt: number;
}

export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
  now(): number;
}

const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

export class PendingDecisions {
  private nextId = 1;
  private readonly waiting = new Map<number, { decision: Decision; timer: unknown }>();

  constructor(
    readonly windowMs: number,
    /** Sends a decision; `urgent` when the page is going away and the request must outlive it. */
    private readonly send: (decision: Decision, urgent: boolean) => void,
    private readonly timers: Timers = realTimers,
  ) {}

  get size(): number {
    return this.waiting.size;
  }

  /** Every case id waiting in some decision. */
  caseIds(): Set<string> {
    const ids = new Set<string>();
    for (const { decision } of this.waiting.values()) for (const c of decision.cases) ids.add(c.id);
    return ids;
  }

  add(verdict: Verdict, cases: Case[]): Decision {
    const decision: Decision = { id: this.nextId++, verdict, cases, decidedAt: this.timers.now() };
    const timer = this.timers.set(() => this.fire(decision.id, false), this.windowMs);
    this.waiting.set(decision.id, { decision, timer });
    return decision;
  }

  /** The most recent decision still inside its window, withdrawn; undefined when none is. */
  undoLast(): Decision | undefined {
    let last: { decision: Decision; timer: unknown } | undefined;
    for (const entry of this.waiting.values())
      if (!last || entry.decision.id > last.decision.id) last = entry;
    if (!last) return undefined;
    this.timers.clear(last.timer);
    this.waiting.delete(last.decision.id);
    return last.decision;
  }

  /** The decision an undo would withdraw now. */
  latest(): Decision | undefined {
    let last: Decision | undefined;
    for (const { decision } of this.waiting.values()) if (!last || decision.id > last.id) last = decision;
    return last;
  }

  /** Sends everything now: the reviewer signs out or leaves the page. */
  flush(urgent: boolean): void {
    for (const id of [...this.waiting.keys()]) this.fire(id, urgent);
  }

  private fire(id: number, urgent: boolean): void {
    const entry = this.waiting.get(id);
    if (!entry) return;
    this.timers.clear(entry.timer);
    this.waiting.delete(id);
    this.send(entry.decision, urgent);
  }
}
