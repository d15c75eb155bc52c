/**
 * New and changed cases, live. Reads GET /cases/stream with fetch streaming (the key goes in the
 * Authorization header, which EventSource cannot send), resumes with Last-Event-ID after a
 * dropped connection, and falls back to polling the candidate list when the server has no stream.
 */
import type { Case } from '../../cases/case-model.js';
import type { ApiClient } from './api-client.js';
import { SseParser } from './sse-parser.js';

export type FeedStatus = 'connecting' | 'live' | 'polling' | 'offline';

export interface FeedHandlers {
  change(kind: 'created' | 'updated', c: Case): void;
  /** Changes were missed: reload what is shown. */
  reset(): void;
  status(s: FeedStatus): void;
  /** Candidates to poll when there is no stream (the first page of the current filters). */
  poll(): Promise<Case[]>;
}

const POLL_MS = 10_000;
const MAX_BACKOFF_MS = 30_000;

function isCase(v: unknown): v is Case {
  if (typeof v !== 'object' || v === null) return false;
  const c = v as Record<string, unknown>;
  return typeof c.id === 'string' && typeof c.status === 'string' && typeof c.version === 'number';
}

export class CaseFeed {
  private abort: AbortController | undefined;
  private stopped = true;
  private lastEventId: string | undefined;
  private retryMs = 3000;
  private failures = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pollSeen = new Map<string, number>();

  constructor(
    private readonly api: ApiClient,
    private readonly on: FeedHandlers,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.abort?.abort();
    this.abort = undefined;
  }

  private later(fn: () => void, ms: number): void {
    clearTimeout(this.timer);
    if (!this.stopped) this.timer = setTimeout(fn, ms);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.on.status('connecting');
    const abort = new AbortController();
    this.abort = abort;
    let res: Response;
    try {
      res = await this.api.fetch('/cases/stream', {
        headers: {
          accept: 'text/event-stream',
          ...(this.lastEventId ? { 'last-event-id': this.lastEventId } : {}),
        },
        signal: abort.signal,
      });
    } catch {
      return this.retry();
    }
    if (res.status === 404 || res.status === 405 || res.status === 501) {
      // This server has no stream: poll instead, which is slower but loses nothing.
      void res.body?.cancel();
      this.on.status('polling');
      return this.pollLoop(true);
    }
    if (res.status === 401) {
      this.stop();
      return;
    }
    if (!res.ok || !res.body) {
      void res.body?.cancel();
      return this.retry();
    }
    this.failures = 0;
    this.on.status('live');
    const parser = new SseParser();
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const e of parser.push(value)) this.handle(e.event, e.data);
        if (parser.lastEventId !== undefined) this.lastEventId = parser.lastEventId;
        if (parser.retryMs !== undefined) this.retryMs = parser.retryMs;
      }
    } catch {
      // Aborted by stop(), or the connection broke: either way the loop below decides.
    }
    if (!this.stopped) this.retry();
  }

  private handle(event: string, data: string): void {
    if (event === 'reset') {
      this.on.reset();
      return;
    }
    if (event !== 'case') return;
    let body: unknown;
    try {
      body = JSON.parse(data);
    } catch {
      return;
    }
    const { kind, case: c } = (body ?? {}) as { kind?: unknown; case?: unknown };
    if ((kind === 'created' || kind === 'updated') && isCase(c)) this.on.change(kind, c);
  }

  private retry(): void {
    if (this.stopped) return;
    this.on.status('offline');
    this.failures++;
    const delay = Math.min(MAX_BACKOFF_MS, this.retryMs * 2 ** Math.min(this.failures - 1, 4));
    this.later(() => void this.connect(), delay);
  }

  private async pollLoop(first: boolean): Promise<void> {
    if (this.stopped) return;
    try {
      const cases = await this.on.poll();
      for (const c of cases) {
        const seen = this.pollSeen.get(c.id);
        // The first round only learns what is there; the queue was just loaded with it.
        if (!first && seen !== c.version) this.on.change(seen === undefined ? 'created' : 'updated', c);
        this.pollSeen.set(c.id, c.version);
      }
      this.on.status('polling');
    } catch {
      this.on.status('offline');
    }
    this.later(() => void this.pollLoop(false), POLL_MS);
  }
}
