/**
 * Dispatch webhooks against a real local HTTP receiver: down for the first attempts, then
 * failing, then up; every confirmed case arrives exactly once by Idempotency-Key with a valid
 * signature, dead letters after the last attempt, manual re-send, and the status callback.
 * The dispatch clock is injected, so a day of retries takes no real time.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InjectOptions } from 'fastify';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { openAppHarness, type AppHarness } from '../api/app-harness.js';
import type { Role } from '../api/auth/roles.js';
import type { Case } from '../cases/case-model.js';
import { parkedAtBusStop, violationMaker } from './support/violation-input.js';
import { DispatchService } from '../dispatch/dispatch-service.js';
import { signatureHeader } from '../dispatch/webhook-signature.js';
import { DispatchRepository } from '../repositories/database-dispatch.js';
import { describeEngines, PG_URL } from './support/database-engines.js';

const SECRET = 'whsec_receiver_secret_0123456789';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
  signatureOk: boolean;
}

/** A department's webhook endpoint: checks signatures itself, answers what `answer` says. */
class Receiver {
  readonly received: Received[] = [];
  answer: (path: string) => number = () => 200;
  port = 0;
  private server: Server | undefined;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const header = String(req.headers['x-gridwatch-signature'] ?? '');
        const t = /t=(\d+)/.exec(header)?.[1] ?? '';
        const v1 = /v1=([0-9a-f]+)/.exec(header)?.[1] ?? '';
        const expected = createHmac('sha256', SECRET).update(`${t}.${body}`).digest('hex');
        const status = this.answer(req.url ?? '');
        this.received.push({
          path: req.url ?? '',
          headers: req.headers,
          body,
          status,
          signatureOk: v1 === expected,
        });
        res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'try later');
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Keys the receiver accepted (answered 200). */
  accepted(path: string): string[] {
    return this.received
      .filter((r) => r.path === path && r.status === 200)
      .map((r) => String(r.headers['idempotency-key']));
  }
}

const violation = violationMaker({
  ...parkedAtBusStop('cam-dispatch'),
  type: 'street_vendor',
  confidence: 0.9,
  zoneId: 'sidewalk',
  lastSeen: '2026-03-01T08:10:00Z',
  dwellSeconds: 600,
});

describeEngines('dispatch on $engine', (kind) => {
  let h: AppHarness;
  const receiver = new Receiver();
  let offsetMs = 0;
  const clock = () => new Date(Date.now() + offsetMs);
  const dispatchOptions = {
    clock,
    random: () => 1,
    policy: { baseDelayMs: 60_000, maxDelayMs: 600_000, maxAttempts: 4 },
    timeoutMs: 5000,
  };

  beforeAll(async () => {
    h = await openAppHarness(kind, PG_URL, { instances: 2, dispatch: dispatchOptions });
    await receiver.start();
  });
  afterAll(async () => {
    await receiver.stop();
    await h?.close();
  });
  afterEach(async () => {
    // Each test brings its own subscribers; none carries over.
    for (const s of await h.services.dispatch.listSubscribers())
      await h.services.dispatch.deleteSubscriber(s.id);
  });

  const call = (role: Role | null, opts: InjectOptions) =>
    h.app.inject({ ...opts, headers: { ...(role ? h.auth(role) : {}), ...opts.headers } });
  const confirmedCase = async (): Promise<Case> => {
    const c = (await h.services.cases.upsertFromViolation(violation())).case;
    const res = await call('reviewer', {
      method: 'POST',
      url: `/cases/${c.id}/confirm`,
      payload: { version: c.version },
    });
    expect(res.statusCode).toBe(200);
    return res.json() as Case;
  };
  const subscribe = async (path: string, name = `dept-${randomUUID().slice(0, 8)}`) => {
    const res = await call('admin', {
      method: 'POST',
      url: '/dispatch/subscribers',
      payload: { name, url: `http://127.0.0.1:${receiver.port}${path}`, secret: SECRET },
    });
    expect(res.statusCode).toBe(201);
    return res.json() as { id: string; name: string; secret: string; secretHint: string };
  };
  const round = () => h.services.dispatch.deliverDue();

  it('delivers every confirmed case exactly once after the receiver comes back, signed', async () => {
    await receiver.stop(); // down: connections refused
    const sub = await subscribe('/hook');
    expect(sub.secret).toBe(SECRET);
    const a = await confirmedCase();
    const b = await confirmedCase();
    const rejected = (await h.services.cases.upsertFromViolation(violation())).case;
    await h.services.cases.reject(rejected.id, { expectedVersion: 1, actor: 't', reason: 'false_detection' });

    const first = await round();
    expect(first.map((o) => o.result)).toEqual(['retry', 'retry']);
    expect(first[0]?.error).toMatch(/ECONNREFUSED|refused|fetch failed/i);

    await receiver.start();
    let calls = 0;
    receiver.answer = () => (++calls === 1 ? 500 : 200); // up, but the first answer is an error
    offsetMs += 61_000;
    const second = await round();
    expect(second.map((o) => o.result).sort()).toEqual(['delivered', 'retry']);
    offsetMs += 3 * 60_000;
    expect((await round()).map((o) => o.result)).toEqual(['delivered']);
    offsetMs += 3600_000;
    expect(await round()).toEqual([]);

    const keys = receiver.accepted('/hook');
    expect(keys.sort()).toEqual([`${a.id}:${sub.id}`, `${b.id}:${sub.id}`].sort());
    const hits = receiver.received.filter((r) => r.path === '/hook');
    expect(hits.every((r) => r.signatureOk)).toBe(true);
    const payload = JSON.parse(hits.find((r) => r.status === 200)?.body ?? '{}');
    expect(payload).toMatchObject({ type: 'case.confirmed', case: { status: 'confirmed' } });
    expect(hits[0]?.headers['x-gridwatch-event']).toBe('case.confirmed');
    expect(hits[0]?.headers['content-type']).toBe('application/json');

    for (const c of [a, b]) {
      const now = await call('reviewer', { url: `/cases/${c.id}` });
      expect(now.json().status).toBe('dispatched');
      const events = (await call('reviewer', { url: `/cases/${c.id}/events` })).json().items;
      expect(events.at(-1)).toMatchObject({ action: 'dispatched', actor: `dispatch:${sub.name}` });
    }
    const list = await call('dispatch', { url: `/dispatch/deliveries?subscriberId=${sub.id}` });
    expect(list.json().items.map((d: { status: string }) => d.status)).toEqual(['delivered', 'delivered']);
    expect(
      (await call('dispatch', { url: `/dispatch/deliveries?caseId=${rejected.id}` })).json().items,
    ).toEqual([]);
  });

  it('never sends a delivery twice when several senders run at once', async () => {
    const sub = await subscribe('/concurrent');
    const cases = await Promise.all(Array.from({ length: 6 }, () => confirmedCase()));
    const other = h.instances[1]?.services.dispatch as DispatchService;
    const outcomes = (await Promise.all([round(), other.deliverDue(), round()])).flat();
    expect(outcomes.filter((o) => o.result === 'delivered')).toHaveLength(6);
    expect(receiver.accepted('/concurrent').sort()).toEqual(cases.map((c) => `${c.id}:${sub.id}`).sort());
  });

  it('loses nothing when a sender dies mid-delivery: another takes over after the lease', async () => {
    const sub = await subscribe('/restart');
    const c = await confirmedCase();
    // A process claims the delivery and dies before sending.
    const now = clock();
    const claimed = await new DispatchRepository(h.services.db).claimDue(
      now,
      new Date(now.getTime() + 5000),
      10,
    );
    expect(claimed.map((d) => d.caseId)).toEqual([c.id]);
    expect(await round()).toEqual([]); // leased: nobody else may send it yet
    // The restarted server (a fresh service on the same store) sends it once the lease ran out.
    offsetMs += 10_000;
    const restarted = new DispatchService(h.services.db, h.services.cases, dispatchOptions);
    expect((await restarted.deliverDue()).map((o) => o.result)).toEqual(['delivered']);
    expect(receiver.accepted('/restart')).toEqual([`${c.id}:${sub.id}`]);
    const detail = await call('dispatch', { url: `/dispatch/deliveries/${claimed[0]?.id}` });
    expect(detail.json()).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it('dead-letters after the last attempt, then a manual re-send delivers', async () => {
    let failing = true;
    receiver.answer = (path) => (path === '/flaky' && failing ? 503 : 200);
    const sub = await subscribe('/flaky');
    const c = await confirmedCase();
    const results: string[] = [];
    for (let i = 0; i < 6; i++) {
      results.push(...(await round()).map((o) => o.result));
      offsetMs += 700_000;
    }
    expect(results).toEqual(['retry', 'retry', 'retry', 'dead']);

    const dead = await call('dispatch', { url: '/dispatch/deliveries?status=dead' });
    const letter = dead.json().items.find((d: { caseId: string }) => d.caseId === c.id);
    expect(letter).toMatchObject({ status: 'dead', attempts: 4, lastStatusCode: 503, nextAttemptAt: null });
    expect(letter.idempotencyKey).toBe(`${c.id}:${sub.id}`);
    const detail = (await call('dispatch', { url: `/dispatch/deliveries/${letter.id}` })).json();
    expect(detail.history.map((a: { statusCode: number }) => a.statusCode)).toEqual([503, 503, 503, 503]);
    expect((await call('reviewer', { url: `/cases/${c.id}` })).json().status).toBe('confirmed');

    failing = false;
    const resend = await call('dispatch', {
      method: 'POST',
      url: `/dispatch/deliveries/${letter.id}/resend`,
    });
    expect(resend.statusCode).toBe(202);
    expect(resend.json()).toMatchObject({ status: 'pending', attempts: 0 });
    expect((await round()).map((o) => o.result)).toEqual(['delivered']);
    expect(receiver.accepted('/flaky')).toEqual([`${c.id}:${sub.id}`]);
    expect((await call('reviewer', { url: `/cases/${c.id}` })).json().status).toBe('dispatched');
    expect(
      (await call('dispatch', { method: 'POST', url: `/dispatch/deliveries/${randomUUID()}/resend` }))
        .statusCode,
    ).toBe(404);
    expect(
      (await call('reviewer', { method: 'POST', url: `/dispatch/deliveries/${letter.id}/resend` }))
        .statusCode,
    ).toBe(403);
  });

  it('a new subscriber also receives the cases already waiting in confirmed', async () => {
    const waiting = await confirmedCase(); // no subscriber yet
    const sub = await subscribe('/late');
    const deliveries = (await call('dispatch', { url: `/dispatch/deliveries?caseId=${waiting.id}` })).json()
      .items;
    expect(deliveries).toMatchObject([{ subscriberId: sub.id, status: 'pending' }]);
    await round();
    expect(receiver.accepted('/late')).toContain(`${waiting.id}:${sub.id}`);
  });

  it('manages subscribers: admin only, secret shown once, version checks, 404s', async () => {
    const created = await subscribe('/crud', 'crud-dept');
    for (const role of ['reviewer', 'dispatch', 'uploader'] as const) {
      expect((await call(role, { url: '/dispatch/subscribers' })).statusCode).toBe(403);
    }
    expect((await call(null, { url: '/dispatch/subscribers' })).statusCode).toBe(401);
    const got = (await call('admin', { url: `/dispatch/subscribers/${created.id}` })).json();
    expect(got).toMatchObject({ name: 'crud-dept', secretHint: SECRET.slice(-4), active: true, version: 1 });
    expect(got.secret).toBeUndefined();
    expect((await call('admin', { url: '/dispatch/subscribers' })).json().items).toHaveLength(1);

    const update = { name: 'crud-dept-2', url: `http://127.0.0.1:${receiver.port}/crud2`, active: false };
    const put = await call('admin', {
      method: 'PUT',
      url: `/dispatch/subscribers/${created.id}`,
      payload: { ...update, version: 1 },
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ ...update, version: 2, secretHint: SECRET.slice(-4) });
    expect(put.json().secret).toBeUndefined();
    const stale = await call('admin', {
      method: 'PUT',
      url: `/dispatch/subscribers/${created.id}`,
      payload: { ...update, version: 1 },
    });
    expect(stale.statusCode).toBe(409);
    const rotated = await call('admin', {
      method: 'PUT',
      url: `/dispatch/subscribers/${created.id}`,
      payload: { ...update, secret: 'a-brand-new-secret-value' },
    });
    expect(rotated.json()).toMatchObject({ secret: 'a-brand-new-secret-value', secretHint: 'alue' });

    const generated = await call('admin', {
      method: 'POST',
      url: '/dispatch/subscribers',
      payload: { name: 'gen', url: 'https://dispatch.example.gov/hook' },
    });
    expect(generated.statusCode).toBe(201);
    expect(generated.json().secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(generated.json().eventTypes).toEqual(['case.confirmed']);

    for (const payload of [
      { name: 'x', url: 'ftp://example.gov/hook' },
      { name: 'x', url: 'http://user:pw@example.gov/hook' },
      { name: 'x', url: 'https://example.gov/hook', secret: 'short' },
      { name: 'x', url: 'https://example.gov/hook', eventTypes: ['case.deleted'] },
      { name: 'x', url: 'https://example.gov/hook', extra: 1 },
    ]) {
      expect(
        (await call('admin', { method: 'POST', url: '/dispatch/subscribers', payload })).statusCode,
      ).toBe(400);
    }
    expect(
      (await call('admin', { method: 'DELETE', url: `/dispatch/subscribers/${created.id}` })).statusCode,
    ).toBe(204);
    expect(
      (await call('admin', { method: 'DELETE', url: `/dispatch/subscribers/${created.id}` })).statusCode,
    ).toBe(404);
    expect((await call('admin', { url: `/dispatch/subscribers/${randomUUID()}` })).statusCode).toBe(404);
    expect((await call('admin', { url: '/dispatch/subscribers/not-a-uuid' })).statusCode).toBe(400);
  });

  it('takes status callbacks signed by a subscriber or sent with a dispatch key', async () => {
    const sub = await subscribe('/cb');
    const c = await confirmedCase();
    await round();
    expect((await call('reviewer', { url: `/cases/${c.id}` })).json().status).toBe('dispatched');

    const signed = (body: object, at = clock(), secret = SECRET) => {
      const text = JSON.stringify(body);
      return {
        method: 'POST' as const,
        url: '/dispatch/callback',
        payload: text,
        headers: {
          'content-type': 'application/json',
          'x-gridwatch-subscriber': sub.id,
          'x-gridwatch-signature': signatureHeader(secret, text, Math.floor(at.getTime() / 1000)),
        },
      };
    };
    const handled = await h.app.inject(
      signed({ caseId: c.id, status: 'handled', note: 'stall removed', reference: 'WO-7' }),
    );
    expect(handled.statusCode).toBe(200);
    expect(handled.json()).toMatchObject({ changed: true, case: { status: 'dispatched' } });
    const events = (await call('reviewer', { url: `/cases/${c.id}/events` })).json().items;
    expect(events.at(-1)).toMatchObject({
      action: 'handled',
      actor: `subscriber:${sub.name}`,
      details: { note: 'stall removed; reference WO-7' },
    });

    // Refused: wrong secret, stale timestamp, tampered body, no credentials, unknown subscriber.
    expect(
      (await h.app.inject(signed({ caseId: c.id, status: 'closed' }, clock(), 'wrong-secret-0123456789')))
        .statusCode,
    ).toBe(401);
    expect(
      (await h.app.inject(signed({ caseId: c.id, status: 'closed' }, new Date(clock().getTime() - 3600_000))))
        .statusCode,
    ).toBe(401);
    const tampered = signed({ caseId: c.id, status: 'handled' });
    tampered.payload = JSON.stringify({ caseId: c.id, status: 'closed' });
    expect((await h.app.inject(tampered)).statusCode).toBe(401);
    const bare = await h.app.inject({
      method: 'POST',
      url: '/dispatch/callback',
      payload: { caseId: c.id, status: 'closed' },
    });
    expect(bare.statusCode).toBe(401);
    expect(bare.headers['www-authenticate']).toBe('Bearer');
    expect((await h.app.inject({ method: 'POST', url: '/dispatch/callback' })).statusCode).toBe(401);
    const stranger = signed({ caseId: c.id, status: 'closed' });
    stranger.headers['x-gridwatch-subscriber'] = randomUUID();
    expect((await h.app.inject(stranger)).statusCode).toBe(401);
    expect(
      (
        await call('reviewer', {
          method: 'POST',
          url: '/dispatch/callback',
          payload: { caseId: c.id, status: 'closed' },
        })
      ).statusCode,
    ).toBe(403);
    expect(
      (
        await call('dispatch', {
          method: 'POST',
          url: '/dispatch/callback',
          payload: { caseId: c.id, status: 'gone' },
        })
      ).statusCode,
    ).toBe(400);
    expect((await h.app.inject({ ...signed({ caseId: c.id }), payload: '{"caseId":' })).statusCode).toBe(401);

    // A dispatch key closes it; repeating the report changes nothing.
    const closed = await call('dispatch', {
      method: 'POST',
      url: '/dispatch/callback',
      payload: { caseId: c.id, status: 'closed', closure: 'overdue' },
    });
    expect(closed.statusCode).toBe(200);
    expect(closed.json()).toMatchObject({ changed: true, case: { status: 'closed', closure: 'overdue' } });
    const again = await h.app.inject(signed({ caseId: c.id, status: 'closed' }));
    expect(again.json()).toMatchObject({ changed: false, case: { status: 'closed', closure: 'overdue' } });

    // Reports on cases never handed off are conflicts; unknown cases are 404.
    const candidate = (await h.services.cases.upsertFromViolation(violation())).case;
    const conflict = await call('dispatch', {
      method: 'POST',
      url: '/dispatch/callback',
      payload: { caseId: candidate.id, status: 'handled' },
    });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().error.code).toBe('INVALID_TRANSITION');
    expect(
      (
        await call('dispatch', {
          method: 'POST',
          url: '/dispatch/callback',
          payload: { caseId: randomUUID(), status: 'closed' },
        })
      ).statusCode,
    ).toBe(404);
    const huge = await call('dispatch', {
      method: 'POST',
      url: '/dispatch/callback',
      payload: { caseId: c.id, status: 'closed', note: 'x'.repeat(70_000) },
    });
    expect(huge.statusCode).toBe(413);
  });
});
