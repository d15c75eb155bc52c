/**
 * Fans case changes out to live subscribers (the SSE route): one bus subscription per process,
 * however many clients, and each changed case read once per batch of notices rather than once per
 * client. Also replays what changed after a change number, for clients resuming a stream.
 */
import { CaseFeedRepository } from '../repositories/database-case-feed.js';
import type { Database } from '../repositories/database-repository.js';
import type { CaseChangeBus, CaseChangeNotice } from './case-change-bus.js';
import type { Case } from './case-model.js';

export interface CaseStreamEvent {
  /** The change number; clients send the last one back as Last-Event-ID to resume. */
  seq: number;
  kind: 'created' | 'updated';
  case: Case;
}

export interface CaseStreamListener {
  event(e: CaseStreamEvent): void;
  /** Changes may have been missed; the client should reload what it shows. */
  reset(reason: string): void;
}

export interface Replay {
  events: CaseStreamEvent[];
  /** False when more changed than a replay carries; the client must reload instead. */
  complete: boolean;
  /** The newest change number when the replay was read. */
  latestSeq: number;
}

export interface CaseStreamOptions {
  /** Notices read together in one query. */
  batchSize?: number;
  /** Most changes a resuming client is sent before it is told to reload. */
  replayLimit?: number;
  onError?: (err: unknown) => void;
}

export class CaseStream {
  private readonly listeners = new Set<CaseStreamListener>();
  private listening: Promise<() => Promise<void>> | undefined;
  private queue: CaseChangeNotice[] = [];
  private pumping = false;
  private gap = false;
  private lastSeq = 0;
  private closed = false;
  private readonly batchSize: number;
  private readonly replayLimit: number;

  constructor(
    private readonly db: Database,
    private readonly bus: CaseChangeBus,
    private readonly opts: CaseStreamOptions = {},
  ) {
    this.batchSize = opts.batchSize ?? 200;
    this.replayLimit = opts.replayLimit ?? 1000;
  }

  /** Number of live subscribers (metrics, tests). */
  get size(): number {
    return this.listeners.size;
  }

  /** Resolves once listening: every change committed afterwards reaches the listener. */
  async subscribe(listener: CaseStreamListener): Promise<() => void> {
    if (this.closed) throw new Error('the case stream is closed');
    this.listeners.add(listener);
    try {
      await this.ensureListening();
    } catch (err) {
      this.listeners.delete(listener);
      throw err;
    }
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** What changed after change number `after`, each case once, in its current state. */
  async replaySince(after: number): Promise<Replay> {
    const repo = new CaseFeedRepository(this.db);
    const rows = await repo.changedSince(after, this.replayLimit + 1);
    const latestSeq = rows.length > this.replayLimit ? await repo.latestSeq() : (rows.at(-1)?.seq ?? after);
    if (rows.length > this.replayLimit) return { events: [], complete: false, latestSeq };
    return {
      events: rows.map((r) => ({
        seq: r.seq,
        kind: r.createdSeq > after ? 'created' : 'updated',
        case: r.value,
      })),
      complete: true,
      latestSeq,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    this.queue = [];
    const listening = this.listening;
    this.listening = undefined;
    if (listening) await (await listening.catch(() => async () => {}))();
  }

  private ensureListening(): Promise<() => Promise<void>> {
    this.listening ??= (async () => {
      const stop = await this.bus.subscribe(
        (notice) => this.enqueue(notice),
        () => {
          this.gap = true;
          void this.pump();
        },
      );
      this.lastSeq = Math.max(this.lastSeq, await new CaseFeedRepository(this.db).latestSeq());
      return stop;
    })().catch((err: unknown) => {
      this.listening = undefined;
      throw err;
    });
    return this.listening;
  }

  private enqueue(notice: CaseChangeNotice): void {
    if (this.closed || this.listeners.size === 0) return;
    this.queue.push(notice);
    void this.pump();
  }

  private emit(e: CaseStreamEvent): void {
    this.lastSeq = Math.max(this.lastSeq, e.seq);
    for (const l of this.listeners) l.event(e);
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.closed && (this.gap || this.queue.length > 0)) {
        if (this.gap) {
          this.gap = false;
          const replay = await this.replaySince(this.lastSeq);
          if (!replay.complete) {
            for (const l of this.listeners) l.reset('the live feed was interrupted; reload');
            this.lastSeq = Math.max(this.lastSeq, replay.latestSeq);
          }
          for (const e of replay.events) this.emit(e);
          continue;
        }
        await this.emitBatch(this.queue.splice(0, this.batchSize));
      }
    } catch (err) {
      this.opts.onError?.(err);
      this.queue = [];
      for (const l of this.listeners) l.reset('the live feed could not read a change; reload');
    } finally {
      this.pumping = false;
    }
  }

  private async emitBatch(batch: CaseChangeNotice[]): Promise<void> {
    // A case changed several times in one batch is sent once, in its newest state.
    const latest = new Map<string, { seq: number; created: boolean }>();
    for (const n of batch) {
      const prev = latest.get(n.caseId);
      latest.set(n.caseId, {
        seq: Math.max(n.seq, prev?.seq ?? 0),
        created: n.created || (prev?.created ?? false),
      });
    }
    const found = await new CaseFeedRepository(this.db).findByIds([...latest.keys()]);
    const events = found.map((row) => {
      const n = latest.get(row.value.id) as { seq: number; created: boolean };
      return { seq: n.seq, kind: n.created ? 'created' : 'updated', case: row.value } as CaseStreamEvent;
    });
    events.sort((a, b) => a.seq - b.seq);
    for (const e of events) this.emit(e);
  }
}
