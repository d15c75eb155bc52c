import { migrationFiles } from './support/migration-files.js';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../api/app.js';
import { ApiKeyService } from '../api/auth/api-key-service.js';
import { openAppHarness, type AppHarness } from '../api/app-harness.js';
import type { Role } from '../api/auth/roles.js';
import type { Case } from '../cases/case-model.js';
import { CasePageSchema, CaseSchema } from '../api/schemas/case-schemas.js';
import { FormatRegistry } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { ViolationInput } from '../cases/violation-input.js';
import { parkedAtBusStop, violationMaker } from './support/violation-input.js';
import { describeEngines, PG_URL } from './support/database-engines.js';

const CAMERA = {
  id: 'cam-0412',
  name: 'Wensan Rd / Xueyuan Rd',
  kind: 'camera',
  rtspUrl: 'rtsp://admin:s3cret@10.1.2.3:554/Streaming/Channels/101',
  position: { lat: 30.2741, lon: 120.1551 },
  zones: [
    {
      id: 'bus-stop',
      type: 'no_parking',
      polygon: [
        [0.1, 0.6],
        [0.5, 0.6],
        [0.5, 0.95],
        [0.1, 0.95],
      ],
    },
  ],
  rules: { illegal_parking: { minDwellSeconds: 240 } },
};

const violation = violationMaker(parkedAtBusStop('cam-api'));

// The two formats the case schemas use, for Value.Check (Fastify's Ajv knows them; TypeBox does not).
FormatRegistry.Set('uuid', (v) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v));
FormatRegistry.Set('date-time', (v) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(v));

describeEngines('API on $engine', (kind) => {
  let h: AppHarness;
  let app: FastifyInstance;

  beforeAll(async () => {
    h = await openAppHarness(kind, PG_URL, { instances: 2, regionCode: '330106' });
    app = h.app;
  });
  afterAll(async () => {
    await h?.close();
  });

  const call = (role: Role | null, opts: InjectOptions) =>
    app.inject({ ...opts, headers: { ...(role ? h.auth(role) : {}), ...opts.headers } });
  const newCase = async (over: Partial<ViolationInput> = {}): Promise<Case> =>
    (await h.services.cases.upsertFromViolation(violation(over))).case;

  it('two instances starting together applied the migrations once and both serve', async () => {
    expect(h.instances.flatMap((i) => i.applied).sort()).toEqual(await migrationFiles());
    for (const i of h.instances) expect((await i.app.inject({ url: '/ready' })).statusCode).toBe(200);
  });

  it('serves health, readiness and the OpenAPI description without a key', async () => {
    const health = await app.inject({ url: '/health' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ status: 'ok' });
    expect(health.headers['content-security-policy']).toContain("default-src 'self'");
    expect(health.headers['x-content-type-options']).toBe('nosniff');
    expect((await app.inject({ url: '/ready' })).json()).toEqual({ status: 'ready' });
    const spec = (await app.inject({ url: '/openapi.json' })).json();
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining(['/cases', '/cases/{id}', '/cases/{id}/confirm', '/sources/{id}', '/metrics']),
    );
    expect(spec.paths['/cases/{id}/confirm'].post.security).toEqual([{ apiKey: [] }]);
    expect(spec.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect((await app.inject({ url: '/docs' })).statusCode).toBeLessThan(400);
  });

  const id = randomUUID();
  const protectedRoutes: Array<{
    method: InjectOptions['method'];
    url: string;
    payload?: object;
    denied: Role;
  }> = [
    { method: 'GET', url: '/cases', denied: 'uploader' },
    { method: 'GET', url: `/cases/${id}`, denied: 'uploader' },
    { method: 'GET', url: `/cases/${id}/events`, denied: 'uploader' },
    { method: 'POST', url: `/cases/${id}/confirm`, payload: { version: 1 }, denied: 'dispatch' },
    {
      method: 'POST',
      url: `/cases/${id}/reject`,
      payload: { version: 1, reason: 'duplicate' },
      denied: 'uploader',
    },
    { method: 'GET', url: '/sources', denied: 'reviewer' },
    { method: 'POST', url: '/sources', payload: CAMERA, denied: 'reviewer' },
    { method: 'GET', url: '/sources/cam-x', denied: 'dispatch' },
    { method: 'PUT', url: '/sources/cam-x', payload: CAMERA, denied: 'reviewer' },
    { method: 'DELETE', url: '/sources/cam-x', denied: 'dispatch' },
    { method: 'GET', url: '/metrics', denied: 'reviewer' },
  ];

  it.each(protectedRoutes)('$method $url: 401 without a valid key, 403 for $denied', async (r) => {
    const base = { method: r.method, url: r.url, ...(r.payload ? { payload: r.payload } : {}) };
    const none = await call(null, base);
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expect(none.json().error.code).toBe('UNAUTHORIZED');
    const bogus = `gwk_${'0'.repeat(12)}_${'A'.repeat(43)}`;
    for (const authorization of [
      `Bearer ${bogus}`,
      'Bearer',
      'Basic YWRtaW46YWRtaW4=',
      `Bearer ${h.keys.admin}x`,
    ]) {
      expect((await call(null, { ...base, headers: { authorization } })).statusCode).toBe(401);
    }
    const denied = await call(r.denied, base);
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.code).toBe('FORBIDDEN');
    expect((await call('admin', base)).statusCode).not.toBeOneOf([401, 403]);
  });

  it('a revoked key stops working at once', async () => {
    const { key, info } = await h.services.keys.create('reviewer', 'leaver');
    const auth = { authorization: `Bearer ${key}` };
    expect((await app.inject({ url: '/cases?limit=1', headers: auth })).statusCode).toBe(200);
    expect(await h.services.keys.revoke(info.prefix)).toBe(true);
    expect((await app.inject({ url: '/cases?limit=1', headers: auth })).statusCode).toBe(401);
  });

  it('remembers verified keys, and forgets one revoked by another process at once', async () => {
    const ask = async (key: string) =>
      (await app.inject({ url: '/cases?limit=1', headers: { authorization: `Bearer ${key}` } })).statusCode;
    const untilStatus = async (key: string, status: number): Promise<number> => {
      const t0 = Date.now();
      while (Date.now() - t0 < 3000) {
        if ((await ask(key)) === status) return Date.now() - t0;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`still not ${status} after 3 s`);
    };
    // The revocation listener starts with the first verification; then keys are remembered. A
    // row changed behind the store's back (no notification) proves the answer came from memory.
    const quiet = await h.services.keys.create('reviewer', 'quiet');
    expect(await ask(quiet.key)).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(await ask(quiet.key)).toBe(200);
    await h.services.db.query('UPDATE api_keys SET revoked_at = now() WHERE prefix = $1', [
      quiet.info.prefix,
    ]);
    expect(await ask(quiet.key)).toBe(200);

    // `gridwatch keys revoke` in another process: its own service on the same store.
    const leaver = await h.services.keys.create('reviewer', 'leaver elsewhere');
    expect(await ask(leaver.key)).toBe(200);
    expect(await ask(leaver.key)).toBe(200);
    const elsewhere = new ApiKeyService(h.services.db);
    expect(await elsewhere.revoke(leaver.info.prefix)).toBe(true);
    expect(await untilStatus(leaver.key, 401)).toBeLessThan(1000);
  });

  it('reviewers confirm with edits and the audit trail names them', async () => {
    const c = await newCase({ type: 'garbage_pile' });
    const res = await call('reviewer', {
      method: 'POST',
      url: `/cases/${c.id}/confirm`,
      payload: { version: 1, type: 'bin_overflow', description: '垃圾箱满溢' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'confirmed',
      version: 2,
      type: 'bin_overflow',
      category: { code: '06042', fullCode: '33010606042' },
      decidedBy: 'test-reviewer [' + h.keys.reviewer.slice(4, 16) + ']',
    });
    const events = await call('dispatch', { url: `/cases/${c.id}/events` });
    expect(events.statusCode).toBe(200);
    expect(events.json().items.map((e: { action: string }) => e.action)).toEqual(['created', 'confirmed']);
    expect(events.json().items[1]).toMatchObject({ fromStatus: 'candidate', toStatus: 'confirmed' });
    const got = await call('dispatch', { url: `/cases/${c.id}` });
    expect(got.json()).toMatchObject({ id: c.id, status: 'confirmed' });
  });

  it('lists and details send the JSON the database renders: the documented schema, the case a decision returns', async () => {
    const sourceId = `cam-doc-${randomUUID().slice(0, 8)}`;
    const c = await newCase({ sourceId, address: '文三路 "12" 号 \\ 东' });
    const decided = await call('reviewer', {
      method: 'POST',
      url: `/cases/${c.id}/confirm`,
      payload: { version: 1, description: 'line one\nline "two"' },
    });
    expect(decided.statusCode).toBe(200);
    const detail = await call('reviewer', { url: `/cases/${c.id}` });
    const list = await call('reviewer', { url: '/cases', query: { source: sourceId } });
    for (const res of [detail, list]) {
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(Number(res.headers['content-length'])).toBe(res.rawPayload.length);
    }
    // The decision's body went through the response schema's serialiser; these did not.
    expect(detail.json()).toEqual(decided.json());
    expect(list.json()).toEqual({ items: [decided.json()], nextCursor: null });
    expect(Value.Check(CaseSchema, detail.json())).toBe(true);
    expect(Value.Check(CasePageSchema, list.json())).toBe(true);
    // A page's buffer is used again for the next: bodies must not bleed into each other.
    const pages = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        call('reviewer', { url: '/cases', query: { limit: String(1 + i), source: sourceId } }),
      ),
    );
    for (const p of pages) expect(p.json()).toEqual({ items: [decided.json()], nextCursor: null });
  });

  it('the second of two concurrent decisions on one version gets 409', async () => {
    const c = await newCase();
    const confirm = () =>
      call('reviewer', { method: 'POST', url: `/cases/${c.id}/confirm`, payload: { version: 1 } });
    const codes = (await Promise.all([confirm(), confirm()])).map((r) => r.statusCode).sort();
    expect(codes).toEqual([200, 409]);
    const late = await confirm();
    expect(late.json().error).toMatchObject({ code: 'VERSION_CONFLICT', details: { currentVersion: 2 } });
  });

  it('forbidden transitions are 409 INVALID_TRANSITION', async () => {
    const c = await newCase();
    await call('reviewer', {
      method: 'POST',
      url: `/cases/${c.id}/reject`,
      payload: { version: 1, reason: 'other', text: 'shadow on the pavement' },
    });
    const res = await call('reviewer', {
      method: 'POST',
      url: `/cases/${c.id}/confirm`,
      payload: { version: 2 },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({
      code: 'INVALID_TRANSITION',
      details: { currentStatus: 'rejected' },
    });
  });

  it('bad decisions and ids are 4xx with the error shape', async () => {
    const c = await newCase();
    const post = (url: string, payload: unknown) =>
      call('reviewer', { method: 'POST', url, payload: payload as object });
    const cases: Array<[string, unknown, number, string]> = [
      [`/cases/${c.id}/confirm`, {}, 400, 'VALIDATION_FAILED'],
      [`/cases/${c.id}/confirm`, { version: '1x' }, 400, 'VALIDATION_FAILED'],
      [`/cases/${c.id}/confirm`, { version: 1, sneaky: true }, 400, 'VALIDATION_FAILED'],
      [`/cases/${c.id}/confirm`, { version: 1, code: '99999' }, 400, 'INVALID_INPUT'],
      [`/cases/${c.id}/reject`, { version: 1, reason: 'bored' }, 400, 'VALIDATION_FAILED'],
      [`/cases/${c.id}/reject`, { version: 1, reason: 'other' }, 400, 'INVALID_INPUT'],
      [`/cases/${randomUUID()}/confirm`, { version: 1 }, 404, 'NOT_FOUND'],
      ['/cases/not-a-uuid/confirm', { version: 1 }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [url, payload, status, code] of cases) {
      const res = await post(url, payload);
      expect([url, res.statusCode, res.json().error.code]).toEqual([url, status, code]);
    }
    expect((await call('reviewer', { url: `/cases/${randomUUID()}` })).statusCode).toBe(404);
    expect((await call('reviewer', { url: '/cases/..%2f..%2fetc' })).statusCode).toBe(400);
  });

  it('pages stay stable while new cases arrive between fetches', async () => {
    const source = `cam-page-${randomUUID().slice(0, 8)}`;
    const before: string[] = [];
    for (let i = 0; i < 7; i++) before.push((await newCase({ sourceId: source })).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: Record<string, string> = { source, limit: '3', ...(cursor ? { cursor } : {}) };
      const res = await call('reviewer', { url: '/cases', query });
      expect(res.statusCode).toBe(200);
      const body = res.json() as { items: Case[]; nextCursor: string | null };
      seen.push(...body.items.map((c) => c.id));
      cursor = body.nextCursor;
      // New work arrives while the reviewer is paging.
      await newCase({ sourceId: source });
      await newCase({ sourceId: source });
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual([...before].reverse());
  });

  it('filters by status, type, source, first-seen time and bounding box', async () => {
    const source = `cam-filter-${randomUUID().slice(0, 8)}`;
    const a = await newCase({
      sourceId: source,
      type: 'street_vendor',
      firstSeen: '2026-04-01T10:00:00Z',
      lastSeen: '2026-04-01T10:05:00Z',
      location: { lat: 30.1, lon: 120.1 },
    });
    const b = await newCase({
      sourceId: source,
      type: 'bin_overflow',
      firstSeen: '2026-04-02T10:00:00Z',
      lastSeen: '2026-04-02T10:05:00Z',
      location: { lat: 31.5, lon: 121.5 },
    });
    const c = await newCase({
      sourceId: source,
      type: 'exposed_soil',
      firstSeen: '2026-04-03T10:00:00Z',
      lastSeen: '2026-04-03T10:05:00Z',
      location: null,
    });
    await h.services.cases.confirm(b.id, { expectedVersion: 1, actor: 't' });
    const ids = async (query: Record<string, string | string[]>) => {
      const res = await call('dispatch', { url: '/cases', query: { source, ...query } });
      expect(res.statusCode).toBe(200);
      return (res.json().items as Case[]).map((x) => x.id);
    };
    expect(await ids({})).toEqual([c.id, b.id, a.id]);
    expect(await ids({ status: 'confirmed' })).toEqual([b.id]);
    expect(await ids({ type: 'exposed_soil' })).toEqual([c.id]);
    expect(
      await ids({ status: ['candidate', 'confirmed'], type: ['street_vendor', 'bin_overflow'] }),
    ).toEqual([b.id, a.id]);
    expect(await ids({ from: '2026-04-02T00:00:00Z' })).toEqual([c.id, b.id]);
    expect(await ids({ from: '2026-04-01T00:00:00Z', to: '2026-04-02T10:00:00Z' })).toEqual([a.id]);
    expect(await ids({ bbox: '120,30,121,31' })).toEqual([a.id]);
    expect(
      (await call('dispatch', { url: '/cases', query: { source: `${source}-none` } })).json().items,
    ).toEqual([]);
    const refused: Array<Record<string, string>> = [
      { bbox: '121,30,120,31' },
      { bbox: '190,0,191,1' },
      { bbox: 'a,b,c,d' },
      { from: '2026-05-01T00:00:00Z', to: '2026-04-01T00:00:00Z' },
      { from: 'yesterday' },
      { status: 'pending' },
      { limit: '0' },
      { limit: '201' },
      { cursor: 'not a cursor' },
      { cursor: Buffer.from('["cases",-1]').toString('base64url') },
      { unknown: 'x' },
    ];
    for (const query of refused) {
      const res = await call('dispatch', { url: '/cases', query });
      expect([JSON.stringify(query), res.statusCode]).toEqual([JSON.stringify(query), 400]);
    }
  });

  it('manages sources, masking the camera password and keeping it across edits', async () => {
    const camera = { ...CAMERA, id: `cam-${randomUUID().slice(0, 8)}` };
    const created = await call('uploader', { method: 'POST', url: '/sources', payload: camera });
    expect(created.statusCode).toBe(201);
    expect(created.headers.location).toBe(`/sources/${camera.id}`);
    expect(created.json()).toMatchObject({ id: camera.id, version: 1, enabled: true, zones: camera.zones });
    expect(created.json().rtspUrl).toBe('rtsp://admin:********@10.1.2.3:554/Streaming/Channels/101');
    expect((await call('uploader', { method: 'POST', url: '/sources', payload: camera })).statusCode).toBe(
      409,
    );

    const shown = (await call('uploader', { url: `/sources/${camera.id}` })).json();
    const { version: _v, createdAt: _c, updatedAt: _u, ...editable } = shown;
    const renamed = await call('uploader', {
      method: 'PUT',
      url: `/sources/${camera.id}`,
      payload: { ...editable, name: 'renamed', version: 1 },
    });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json()).toMatchObject({ name: 'renamed', version: 2 });
    const stored = await h.scratch.db.query<{ url: string }>(
      "SELECT config->>'rtspUrl' AS url FROM sources WHERE id = $1",
      [camera.id],
    );
    expect(stored.rows[0]?.url).toBe(camera.rtspUrl);

    const stale = await call('uploader', {
      method: 'PUT',
      url: `/sources/${camera.id}`,
      payload: { ...editable, version: 1 },
    });
    expect(stale.json().error.code).toBe('VERSION_CONFLICT');
    const mismatch = await call('uploader', {
      method: 'PUT',
      url: `/sources/${camera.id}`,
      payload: { ...editable, id: 'other' },
    });
    expect(mismatch.statusCode).toBe(400);
    const badZone = await call('uploader', {
      method: 'PUT',
      url: `/sources/${camera.id}`,
      payload: {
        ...editable,
        zones: [
          {
            id: 'z',
            type: 'moat',
            polygon: [
              [0, 0],
              [1, 0],
              [1, 1],
            ],
          },
        ],
      },
    });
    expect(badZone.statusCode).toBe(400);
    expect(badZone.json().error.message).toMatch(/unknown zone type 'moat'/);
    const noUrl = await call('uploader', {
      method: 'POST',
      url: '/sources',
      payload: { ...camera, id: `${camera.id}-b`, rtspUrl: undefined },
    });
    expect(noUrl.json().error.message).toMatch(/needs an rtspUrl/);
    const masked = await call('uploader', {
      method: 'POST',
      url: '/sources',
      payload: { ...camera, id: `${camera.id}-c`, rtspUrl: shown.rtspUrl },
    });
    expect(masked.statusCode).toBe(400);

    const list = await call('uploader', { url: '/sources', query: { limit: '1' } });
    expect(list.statusCode).toBe(200);
    expect(list.json().items).toHaveLength(1);
    expect(typeof list.json().nextCursor).toBe('string');
    expect((await call('uploader', { method: 'DELETE', url: `/sources/${camera.id}` })).statusCode).toBe(204);
    expect((await call('uploader', { url: `/sources/${camera.id}` })).statusCode).toBe(404);
    expect((await call('uploader', { method: 'DELETE', url: `/sources/${camera.id}` })).statusCode).toBe(404);
  });

  it('exposes case counts, review latency and precision per source to Prometheus', async () => {
    const source = `cam-metrics-${randomUUID().slice(0, 8)}`;
    const a = await newCase({ sourceId: source });
    const b = await newCase({ sourceId: source });
    await newCase({ sourceId: source });
    await h.services.cases.confirm(a.id, { expectedVersion: 1, actor: 't' });
    await h.services.cases.reject(b.id, { expectedVersion: 1, actor: 't', reason: 'false_detection' });
    const res = await call('admin', { url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain; version=0.0.4');
    expect(res.body).toContain('# TYPE gridwatch_cases gauge');
    expect(res.body).toMatch(/gridwatch_cases\{type="illegal_parking",status="candidate"\} \d+/);
    expect(res.body).toContain('# TYPE gridwatch_review_latency_seconds histogram');
    expect(res.body).toMatch(/gridwatch_review_latency_seconds_bucket\{le="\+Inf"\} \d+/);
    expect(res.body).toContain(`gridwatch_source_precision{source="${source}"} 0.5`);
    expect(res.body).toContain(`gridwatch_source_decided_cases{source="${source}",decision="rejected"} 1`);
  });

  it('rate-limits per key, and per address without one', async () => {
    const limited = await buildApp(h.services, { rateLimitPerMinute: 3 });
    try {
      const get = (headers: Record<string, string>) => limited.inject({ url: '/cases?limit=1', headers });
      for (let i = 0; i < 3; i++) expect((await get(h.auth('reviewer'))).statusCode).toBe(200);
      const over = await get(h.auth('reviewer'));
      expect(over.statusCode).toBe(429);
      expect(over.json().error.code).toBe('RATE_LIMITED');
      expect(over.headers['retry-after']).toBeDefined();
      // Another key has its own budget.
      expect((await get(h.auth('dispatch'))).statusCode).toBe(200);
      for (let i = 0; i < 3; i++) await get({});
      expect((await get({})).statusCode).toBe(429);
    } finally {
      await limited.close();
    }
  });

  it('sends CORS headers only for configured origins', async () => {
    const origin = 'https://review.example.gov';
    const preflight = {
      method: 'OPTIONS' as const,
      url: '/cases',
      headers: {
        origin,
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    };
    expect((await app.inject(preflight)).headers['access-control-allow-origin']).toBeUndefined();
    const open = await buildApp(h.services, { corsOrigins: [origin] });
    try {
      const res = await open.inject(preflight);
      expect(res.headers['access-control-allow-origin']).toBe(origin);
      const other = await open.inject({
        ...preflight,
        headers: { ...preflight.headers, origin: 'https://evil.example' },
      });
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await open.close();
    }
  });
});
