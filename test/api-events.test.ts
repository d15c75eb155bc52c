/**
 * The live case stream over real HTTP (inject() cannot read an endless response): events for new
 * and changed cases, across instances sharing the store, resume by Last-Event-ID, heartbeats.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { openAppHarness, type AppHarness } from '../api/app-harness.js';
import { MemoryCaseChangeBus } from '../cases/case-change-bus.js';
import type { Case } from '../cases/case-model.js';
import { CaseStream } from '../cases/case-stream.js';
import { parkedAtBusStop, violationMaker } from './support/violation-input.js';
import { caseChannel } from '../repositories/database-case-feed.js';
import { describeEngines, PG_URL } from './support/database-engines.js';

interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
}

/** A fetch-streaming SSE reader, as a browser page would use: Bearer header, no key in the URL. */
class SseClient {
  readonly events: SseEvent[] = [];
  status = 0;
  contentType = '';
  private buffer = '';
  private waiters: Array<() => void> = [];
  private readonly abort = new AbortController();
  private done: Promise<void> = Promise.resolve();

  static async open(url: string, headers: Record<string, string>): Promise<SseClient> {
    const c = new SseClient();
    const res = await fetch(url, { headers, signal: c.abort.signal });
    c.status = res.status;
    c.contentType = res.headers.get('content-type') ?? '';
    if (res.body) c.done = c.pump(res.body);
    return c;
  }

  private async pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of body) {
        this.buffer += decoder.decode(chunk, { stream: true });
        let split: number;
        while ((split = this.buffer.indexOf('\n\n')) >= 0) {
          const block = this.buffer.slice(0, split);
          this.buffer = this.buffer.slice(split + 2);
          const e: SseEvent = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) e.comment = line.slice(1).trim();
            else {
              const colon = line.indexOf(':');
              const field = line.slice(0, colon);
              const value = line.slice(colon + 1).replace(/^ /, '');
              if (field === 'id' || field === 'event' || field === 'data') e[field] = value;
            }
          }
          this.events.push(e);
        }
        for (const w of this.waiters.splice(0)) w();
      }
    } catch {
      // Aborted by close().
    }
    for (const w of this.waiters.splice(0)) w();
  }

  cases(): Array<{ id: string; kind: string; case: Case }> {
    return this.events
      .filter((e) => e.event === 'case')
      .map((e) => ({
        id: e.id as string,
        ...(JSON.parse(e.data as string) as { kind: string; case: Case }),
      }));
  }

  /** Waits (bounded) until the predicate holds over what arrived. */
  async until(pred: (c: SseClient) => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred(this)) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.events)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200).unref();
      });
    }
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.done;
  }
}

const violation = violationMaker(parkedAtBusStop('cam-events'));

describeEngines('live case stream on $engine', (kind) => {
  let h: AppHarness;
  let base: string;
  const clients: SseClient[] = [];

  beforeAll(async () => {
    h = await openAppHarness(kind, PG_URL, { instances: 2, streamHeartbeatMs: 100 });
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    // Streams still open: closing the app must end them rather than wait for them.
    await h?.close();
    await Promise.all(clients.map((c) => c.close()));
  });

  const open = async (role: 'reviewer' | 'dispatch' | 'admin', extra: Record<string, string> = {}) => {
    const c = await SseClient.open(`${base}/cases/stream`, { ...h.auth(role), ...extra });
    clients.push(c);
    return c;
  };

  it('refuses requests without a key (401) and roles that may not read cases (403)', async () => {
    const none = await h.app.inject({ url: '/cases/stream' });
    expect(none.statusCode).toBe(401);
    expect(none.json().error.code).toBe('UNAUTHORIZED');
    expect((await h.app.inject({ url: '/cases/stream', headers: h.auth('uploader') })).statusCode).toBe(403);
    const bad = await h.app.inject({
      url: '/cases/stream',
      headers: { ...h.auth('reviewer'), 'last-event-id': 'abc' },
    });
    expect(bad.statusCode).toBe(400);
  });

  it('streams created and updated cases in the GET /cases/:id shape, with heartbeats', async () => {
    const stream = await open('reviewer');
    expect(stream.status).toBe(200);
    expect(stream.contentType).toContain('text/event-stream');

    const created = (await h.services.cases.upsertFromViolation(violation())).case;
    await stream.until((s) => s.cases().some((e) => e.case.id === created.id), 'the created event');
    const first = stream.cases().find((e) => e.case.id === created.id);
    expect(first?.kind).toBe('created');
    const detail = await h.app.inject({ url: `/cases/${created.id}`, headers: h.auth('reviewer') });
    expect(first?.case).toEqual(detail.json());

    const confirm = await h.app.inject({
      method: 'POST',
      url: `/cases/${created.id}/confirm`,
      headers: h.auth('reviewer'),
      payload: { version: 1, description: 'blocking the bus stop' },
    });
    expect(confirm.statusCode).toBe(200);
    await stream.until(
      (s) => s.cases().some((e) => e.case.id === created.id && e.case.status === 'confirmed'),
      'the update event',
    );
    const update = stream.cases().find((e) => e.case.id === created.id && e.case.status === 'confirmed');
    expect(update?.kind).toBe('updated');
    expect(update?.case).toEqual(confirm.json());
    expect(Number(update?.id)).toBeGreaterThan(Number(first?.id));

    await stream.until((s) => s.events.some((e) => e.comment === 'keep-alive'), 'a heartbeat');
  });

  it('hears changes made by another instance on the same store', async () => {
    const stream = await open('dispatch');
    const other = h.instances[1]?.services;
    if (!other) throw new Error('no second instance');
    const made = (await other.cases.upsertFromViolation(violation({ sourceId: 'cam-other' }))).case;
    await stream.until((s) => s.cases().some((e) => e.case.id === made.id), 'the other instance’s case');
  });

  it.runIf(kind === 'postgres')('recovers changes made while its LISTEN connection was down', async () => {
    const stream = await open('reviewer');
    const warm = (await h.services.cases.upsertFromViolation(violation())).case;
    await stream.until((s) => s.cases().some((e) => e.case.id === warm.id), 'the stream to be live');
    const channel = await caseChannel(h.services.db);
    const killed = await h.services.db.query<{ ok: boolean }>(
      'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE query = $1',
      [`LISTEN ${channel}`],
    );
    expect(killed.rows.map((r) => r.ok)).toEqual([true]);
    // Made while the listener is gone: no notification reaches us, the re-read after reconnecting does.
    const missed = (await h.services.cases.upsertFromViolation(violation())).case;
    await stream.until(
      (s) => s.cases().some((e) => e.case.id === missed.id),
      'the change made during the gap',
    );
  });

  it('resumes after Last-Event-ID with what changed since, then goes live', async () => {
    const a = (await h.services.cases.upsertFromViolation(violation())).case;
    const watcher = await open('reviewer');
    const b = (await h.services.cases.upsertFromViolation(violation())).case;
    await watcher.until((s) => s.cases().some((e) => e.case.id === b.id), 'b live');
    const bId = watcher.cases().find((e) => e.case.id === b.id)?.id as string;
    await watcher.close();

    // While disconnected: a is rejected and c appears.
    await h.services.cases.reject(a.id, { expectedVersion: 1, actor: 'test', reason: 'duplicate' });
    const c = (await h.services.cases.upsertFromViolation(violation())).case;

    const resumed = await open('reviewer', { 'last-event-id': bId });
    await resumed.until(
      (s) => s.cases().some((e) => e.case.id === a.id) && s.cases().some((e) => e.case.id === c.id),
      'the replay',
    );
    const replay = resumed.cases();
    expect(replay.find((e) => e.case.id === a.id)).toMatchObject({
      kind: 'updated',
      case: { status: 'rejected' },
    });
    expect(replay.find((e) => e.case.id === c.id)).toMatchObject({ kind: 'created' });
    expect(replay.some((e) => e.case.id === b.id)).toBe(false);

    const d = (await h.services.cases.upsertFromViolation(violation())).case;
    await resumed.until((s) => s.cases().some((e) => e.case.id === d.id), 'live after the replay');
    // Each change once.
    const ids = resumed.cases().map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('tells a client that fell too far behind to reload, and works on another bus', async () => {
    const bus = new MemoryCaseChangeBus();
    const small = new CaseStream(h.services.db, bus, { replayLimit: 2 });
    for (let i = 0; i < 3; i++) await h.services.cases.upsertFromViolation(violation());
    const replay = await small.replaySince(0);
    expect(replay).toMatchObject({ complete: false, events: [] });
    expect(replay.latestSeq).toBeGreaterThan(2);

    // Notices published on a different transport are read back from the store once per batch.
    const seen: string[] = [];
    const stop = await small.subscribe({
      event: (e) => seen.push(`${e.kind}:${e.case.id}`),
      reset: () => {},
    });
    const x = (await h.services.cases.upsertFromViolation(violation())).case;
    bus.publish({ caseId: x.id, seq: replay.latestSeq + 100, created: true });
    bus.publish({ caseId: randomUUID(), seq: replay.latestSeq + 101, created: true });
    await vi.waitFor(() => expect(seen).toEqual([`created:${x.id}`]));
    stop();
    await small.close();
  });
});
