/**
 * Hostile and malformed input on every route: paths, bodies, content types, query strings and
 * headers. Whatever arrives, the answer is a 4xx (or a success), never a 5xx.
 */
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAppHarness, type AppHarness } from '../api/app-harness.js';
import { fuzzSender, MALFORMED_JSON, randomJsonMaker } from './support/api-fuzz.js';
import { mulberry32 } from './support/seeded-random.js';

/** Seeded, so a failure reproduces. */
const random = mulberry32(20260301);
const randomJson = randomJsonMaker(random, {
  leaves: [
    null,
    true,
    false,
    0,
    -1,
    1.5,
    2 ** 53,
    -1e308,
    '',
    'x',
    '\u0000',
    '🚗',
    "' OR 1=1 --",
    '../..',
    'a'.repeat(3000),
  ],
  keys: [
    'version',
    'reason',
    'text',
    'type',
    'code',
    'description',
    'id',
    'name',
    'kind',
    'rtspUrl',
    'zones',
    'rules',
    '__proto__',
    'constructor',
    'x',
  ],
  arrayShare: 0.6,
});

const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

describe('fuzzing every route', () => {
  let h: AppHarness;
  let caseId: string;
  const { send, statuses } = fuzzSender(() => h.app);

  beforeAll(async () => {
    h = await openAppHarness('pglite', undefined);
    const { case: c } = await h.services.cases.upsertFromViolation({
      violationId: 'fuzz-1',
      type: 'street_vendor',
      confidence: 0.7,
      sourceId: 'cam-fuzz',
      firstSeen: '2026-03-01T08:00:00Z',
      lastSeen: '2026-03-01T08:05:00Z',
      dwellSeconds: 300,
    });
    caseId = c.id;
  });
  afterAll(async () => {
    await h?.close();
  });

  const ids = () => [
    caseId,
    '00000000-0000-0000-0000-000000000000',
    '..',
    '../..',
    '%2e%2e',
    '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '..%00',
    '%00',
    '%ZZ',
    'a'.repeat(5000),
    `${caseId}${'0'.repeat(100)}`,
    "1' OR '1'='1",
    '%F0%9F%9A%97',
    'cam-fuzz',
    '.',
    '-',
  ];
  const templates = (id: string): Array<[InjectOptions['method'], string]> => [
    ['GET', '/health'],
    ['GET', '/ready'],
    ['GET', '/metrics'],
    ['GET', '/openapi.json'],
    ['GET', '/docs'],
    ['GET', '/cases'],
    ['GET', `/cases/${id}`],
    ['GET', `/cases/${id}/events`],
    ['POST', `/cases/${id}/confirm`],
    ['POST', `/cases/${id}/reject`],
    ['GET', '/sources'],
    ['POST', '/sources'],
    ['GET', `/sources/${id}`],
    ['PUT', `/sources/${id}`],
    ['DELETE', `/sources/${id}`],
    ['PATCH', `/cases/${id}`],
    ['GET', `/${id}`],
  ];

  it('hostile paths', async () => {
    for (const id of ids()) {
      for (const [method, url] of templates(id)) {
        await send({
          method,
          url,
          headers: h.auth('admin'),
          ...(method === 'POST' || method === 'PUT' ? { payload: {} } : {}),
        });
        await send({ method, url });
      }
    }
  });

  it('malformed and hostile bodies and content types', async () => {
    const raw = [
      ...MALFORMED_JSON,
      '{"version":1,"reason":"other","text":"\\u0000"}',
      '{"__proto__":{"admin":true},"version":1}',
      '{"constructor":{"prototype":{"x":1}},"version":1}',
      `{"version":1,"description":${JSON.stringify('字'.repeat(5000))}}`,
      `{"id":"cam-deep","name":"d","kind":"camera","rtspUrl":"rtsp://h/x","zones":[{"p":${deep(5000)}}]}`,
      `{"id":"cam-nul","name":"d","kind":"camera","rtspUrl":"rtsp://h/x","rules":{"a\\u0000":1}}`,
      `{"id":"cam-ok","name":"d","kind":"camera","rtspUrl":"rtsp://h/x","zones":[{"id":"z","type":"no_parking","polygon":[[0,0],[1,0],[1,1]]}],"rules":{"illegal_parking":{"minDwellSeconds":-5}}}`,
      'x'.repeat(1024 * 1024 + 10),
      Buffer.from(Array.from({ length: 300 }, () => Math.floor(random() * 256))).toString('latin1'),
    ];
    const contentTypes = [
      'application/json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json; charset=utf-7',
      'application/xml',
    ];
    const routes: Array<[InjectOptions['method'], string]> = [
      ['POST', `/cases/${caseId}/confirm`],
      ['POST', `/cases/${caseId}/reject`],
      ['POST', '/sources'],
      ['PUT', '/sources/cam-fuzz'],
      ['DELETE', '/sources/cam-fuzz'],
      ['GET', '/cases'],
    ];
    for (const [method, url] of routes) {
      for (const payload of raw) {
        await send({
          method,
          url,
          payload,
          headers: { ...h.auth('admin'), 'content-type': 'application/json' },
        });
      }
      for (const ct of contentTypes) {
        await send({
          method,
          url,
          payload: '{"version":1}',
          headers: { ...h.auth('admin'), 'content-type': ct },
        });
      }
      for (let i = 0; i < 60; i++) {
        await send({
          method,
          url,
          payload: JSON.stringify(randomJson()),
          headers: { ...h.auth('admin'), 'content-type': 'application/json' },
        });
      }
    }
  });

  it('garbage query strings', async () => {
    const queries = [
      'limit=abc',
      'limit=-1',
      'limit=1e400',
      'status[]=candidate',
      'status=candidate&status=candidate&status=candidate&status=candidate&status=candidate&status=candidate&status=candidate',
      'cursor=%00',
      `cursor=${'A'.repeat(5000)}`,
      `cursor=${Buffer.from('["cases",1e308]').toString('base64url')}`,
      `cursor=${Buffer.from('["cases","1"]').toString('base64url')}`,
      `cursor=${Buffer.from('{"__proto__":1}').toString('base64url')}`,
      'bbox=1e400,0,0,0',
      'bbox=-0,-0,-0,-0',
      'from=0000-00-00T00:00:00Z',
      'from=9999-12-31T23:59:59Z&to=0001-01-01T00:00:00Z',
      'from=2026-02-30T00:00:00Z',
      'source=%00',
      `source=${'s'.repeat(10_000)}`,
      'zone=%F0%9F%9A%97',
      'type=__proto__',
      '__proto__[x]=1',
      `${'a=1&'.repeat(2000)}`,
    ];
    for (const q of queries) {
      for (const path of ['/cases', '/sources', '/metrics']) {
        await send({ method: 'GET', url: `${path}?${q}`, headers: h.auth('admin') });
      }
    }
  });

  it('garbage and huge headers', async () => {
    const authorizations = [
      '',
      'Bearer',
      'Bearer ',
      'bearer x',
      `Bearer ${'a'.repeat(100_000)}`,
      `Bearer ${h.keys.admin.slice(0, 17)}${'A'.repeat(43)}`,
      `Bearer ${h.keys.admin} extra`,
      `Bearer ${h.keys.admin.toUpperCase()}`,
      'Basic Og==',
      'Bearer gwk_000000000000_' + '-'.repeat(43),
      "Bearer ' OR 1=1 --",
      'Bearer \u00ff\u00fe',
    ];
    for (const authorization of authorizations) {
      for (const [method, url] of templates(caseId)) {
        await send({ method, url, headers: { authorization } });
      }
    }
    for (const [method, url] of templates(caseId)) {
      await send({
        method,
        url,
        headers: {
          ...h.auth('admin'),
          'x-junk': 'j'.repeat(64 * 1024),
          'content-length': '5',
          accept: '*/*;q=abc',
        },
      });
    }
    expect(statuses.size).toBeGreaterThan(3);
  });
});
