/**
 * Hostile and malformed input on the dispatch, flight, export and stream routes: zero 5xx, and
 * nothing written anywhere but well-formed flight folders under the data directory.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAppHarness, type AppHarness } from '../api/app-harness.js';
import { fuzzSender, MALFORMED_JSON, randomJsonMaker } from './support/api-fuzz.js';
import { mulberry32 } from './support/seeded-random.js';
import { tempDir } from './support/video-fixtures.js';

/** Seeded, so a failure reproduces. */
const random = mulberry32(20261123);
const randomJson = randomJsonMaker(random, {
  leaves: [null, true, 0, -1, 1e308, '', '\u0000', '../../etc/passwd', 'http://x', 'a'.repeat(3000), '🚗'],
  keys: [
    'name',
    'url',
    'secret',
    'eventTypes',
    'active',
    'version',
    'caseId',
    'status',
    'closure',
    'note',
    'reference',
    '__proto__',
    'constructor',
  ],
  arrayShare: 0.55,
});

const MP4_HEAD = Buffer.concat([Buffer.from([0, 0, 0, 24]), Buffer.from('ftypisom'), Buffer.alloc(200)]);

describe('fuzzing dispatch, flights, export and the stream', () => {
  let h: AppHarness;
  let dataDir: string;
  let caseId: string;
  let subscriberId: string;
  const { send, statuses } = fuzzSender(() => h.app);

  beforeAll(async () => {
    dataDir = tempDir('gridwatch-fuzz-data-');
    h = await openAppHarness('pglite', undefined, { dataDir, uploadMaxBytes: 1024 * 1024 });
    const c = (
      await h.services.cases.upsertFromViolation({
        violationId: 'fuzz-dispatch-1',
        type: 'illegal_parking',
        confidence: 0.7,
        sourceId: 'cam-fuzz',
        firstSeen: '2026-03-01T08:00:00Z',
        lastSeen: '2026-03-01T08:05:00Z',
        dwellSeconds: 300,
      })
    ).case;
    caseId = c.id;
    subscriberId = (
      await h.services.dispatch.createSubscriber({
        name: 'fuzz',
        url: 'http://127.0.0.1:9/hook',
        eventTypes: ['case.confirmed'],
        active: false,
      })
    ).subscriber.id;
  });
  afterAll(async () => {
    await h?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const ids = () => [
    subscriberId,
    caseId,
    randomUUID(),
    '..',
    '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '%00',
    '%ZZ',
    'a'.repeat(5000),
    "1' OR '1'='1",
    '%F0%9F%9A%97',
  ];
  const templates = (id: string): Array<[InjectOptions['method'], string]> => [
    ['GET', '/dispatch/subscribers'],
    ['POST', '/dispatch/subscribers'],
    ['GET', `/dispatch/subscribers/${id}`],
    ['PUT', `/dispatch/subscribers/${id}`],
    ['DELETE', `/dispatch/subscribers/${id}`],
    ['GET', '/dispatch/deliveries'],
    ['GET', `/dispatch/deliveries/${id}`],
    ['POST', `/dispatch/deliveries/${id}/resend`],
    ['POST', '/dispatch/callback'],
    ['GET', '/flights'],
    ['GET', `/flights/${id}`],
    ['POST', '/flights'],
    ['DELETE', `/flights/${id}`],
    ['GET', '/export/dataset'],
  ];

  it('hostile paths, with and without keys', async () => {
    for (const id of ids()) {
      for (const [method, url] of templates(id)) {
        const body = method === 'POST' || method === 'PUT' ? { payload: {} } : {};
        await send({ method, url, headers: h.auth('admin'), ...body });
        await send({ method, url, headers: h.auth('dispatch'), ...body });
        await send({ method, url, ...body });
      }
    }
  });

  it('malformed and hostile JSON bodies', async () => {
    const raw = [
      ...MALFORMED_JSON,
      '{"__proto__":{"admin":true},"name":"x","url":"http://x"}',
      `{"name":${JSON.stringify('字'.repeat(5000))},"url":"http://x/"}`,
      `{"name":"d","url":"http://x/${'['.repeat(3000)}"}`,
      `{"caseId":"${caseId}","status":"closed","note":"\\u0000"}`,
      `{"caseId":"${caseId}","status":"handled","closure":"normal","reference":${JSON.stringify('r'.repeat(300))}}`,
      'x'.repeat(70 * 1024),
    ];
    const routes: Array<[InjectOptions['method'], string]> = [
      ['POST', '/dispatch/subscribers'],
      ['PUT', `/dispatch/subscribers/${subscriberId}`],
      ['POST', '/dispatch/callback'],
      ['POST', `/dispatch/deliveries/${randomUUID()}/resend`],
    ];
    for (const [method, url] of routes) {
      for (const payload of raw) {
        for (const role of ['admin', 'dispatch'] as const) {
          await send({
            method,
            url,
            payload,
            headers: { ...h.auth(role), 'content-type': 'application/json' },
          });
        }
      }
      for (let i = 0; i < 60; i++) {
        await send({
          method,
          url,
          payload: JSON.stringify(randomJson()),
          headers: { ...h.auth('admin'), 'content-type': 'application/json' },
        });
      }
      for (const ct of [
        'text/plain',
        'multipart/form-data; boundary=x',
        'application/xml',
        'application/json; charset=utf-7',
      ]) {
        await send({
          method,
          url,
          payload: '{"name":"x"}',
          headers: { ...h.auth('admin'), 'content-type': ct },
        });
      }
    }
    // Signed-callback headers that are garbage.
    for (const sig of [
      '',
      't=',
      't=1,v1=',
      `t=${'9'.repeat(20)},v1=${'a'.repeat(64)}`,
      'v1='.repeat(500),
      '\u00ff',
    ]) {
      for (const sub of [subscriberId, '', '../x', 'a'.repeat(200)]) {
        await send({
          method: 'POST',
          url: '/dispatch/callback',
          payload: `{"caseId":"${caseId}","status":"closed"}`,
          headers: {
            'content-type': 'application/json',
            'x-gridwatch-signature': sig,
            'x-gridwatch-subscriber': sub,
          },
        });
      }
    }
  });

  it('malformed multipart uploads and oversized files', async () => {
    const b = 'fuzzB';
    const part = (name: string, body: string | Buffer, extra = '') =>
      Buffer.concat([
        Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="${name}"${extra}\r\n\r\n`),
        Buffer.isBuffer(body) ? body : Buffer.from(body),
        Buffer.from('\r\n'),
      ]);
    const end = Buffer.from(`--${b}--\r\n`);
    const bodies: Array<[string, Buffer]> = [
      [`multipart/form-data; boundary=${b}`, Buffer.alloc(0)],
      [`multipart/form-data; boundary=${b}`, Buffer.from('garbage without boundaries')],
      [`multipart/form-data; boundary=${b}`, part('video', MP4_HEAD, '; filename="a.mp4"')], // truncated: no end
      [
        `multipart/form-data; boundary=${b}`,
        Buffer.concat([part('video', MP4_HEAD, '; filename="../../../../tmp/evil.mp4"'), end]),
      ],
      [
        `multipart/form-data; boundary=${b}`,
        Buffer.concat([part('__proto__', MP4_HEAD, '; filename="a.mp4"'), end]),
      ],
      [
        `multipart/form-data; boundary=${b}`,
        Buffer.concat([part('constructor', 'x'), part('video', MP4_HEAD, '; filename="a"'), end]),
      ],
      [`multipart/form-data; boundary=${b}`, Buffer.concat([part('x'.repeat(500), 'x'), end])],
      [
        `multipart/form-data; boundary=${b}`,
        Buffer.concat(Array.from({ length: 20 }, () => part('sourceId', 'a')).concat(end)),
      ],
      [
        `multipart/form-data; boundary=${b}`,
        Buffer.concat(
          Array.from({ length: 5 }, (_, i) => part('video', MP4_HEAD, `; filename="${i}.mp4"`)).concat(end),
        ),
      ],
      [
        `multipart/form-data; boundary=${b}`,
        Buffer.concat([
          part('video', MP4_HEAD, '; filename="a.mp4"'),
          part('metadata', 'x'.repeat(40_000)),
          end,
        ]),
      ],
      [
        `multipart/form-data; boundary=${b}`,
        Buffer.concat([
          part('video', MP4_HEAD, '; filename="a.mp4"'),
          part('metadata', '{"__proto__":{"x":1}}'),
          end,
        ]),
      ],
      [
        `multipart/form-data; boundary=${b}`,
        Buffer.concat([
          part('video', MP4_HEAD, '; filename="a.mp4"'),
          part('metadata', `{"a":${'['.repeat(100)}${']'.repeat(100)}}`),
          end,
        ]),
      ],
      [
        `multipart/form-data; boundary=${b}`,
        Buffer.concat([
          Buffer.from(
            `--${b}\r\nContent-Disposition: form-data; name="metadata"\r\nContent-Type: application/json\r\n\r\n{bad\r\n`,
          ),
          end,
        ]),
      ],
      [
        `multipart/form-data; boundary=${b}`,
        Buffer.concat([
          part('video', Buffer.concat([MP4_HEAD, Buffer.alloc(2 * 1024 * 1024)]), '; filename="big.mp4"'),
          end,
        ]),
      ],
      [
        `multipart/form-data; boundary=${b}`,
        Buffer.concat([part('srt', Buffer.alloc(1000, 0xff), '; filename="x.srt"'), end]),
      ],
      ['multipart/form-data', Buffer.concat([part('video', MP4_HEAD), end])],
      ['multipart/form-data; boundary=', Buffer.from('--\r\n')],
      ['multipart/mixed; boundary=x', Buffer.from('--x--')],
      ['video/mp4', MP4_HEAD],
    ];
    for (const [ct, payload] of bodies) {
      await send({
        method: 'POST',
        url: '/flights',
        payload,
        headers: { ...h.auth('uploader'), 'content-type': ct },
      });
      await send({ method: 'POST', url: '/flights', payload, headers: { 'content-type': ct } });
    }
    // Nothing but whole flight folders with their fixed file names, nothing half-written.
    const root = join(dataDir, 'uploads');
    const files = existsSync(root) ? await readdir(root, { recursive: true, withFileTypes: true }) : [];
    for (const f of files.filter((e) => e.isFile())) {
      expect(relative(root, join(f.parentPath, f.name))).toMatch(
        /^[0-9a-f-]{36}\/(video\.(mp4|mov|mkv|webm)|telemetry\.srt)$/,
      );
    }
    expect((await readdir(dataDir)).every((n) => n === 'uploads')).toBe(true);
    expect(existsSync('/tmp/evil.mp4')).toBe(false);
  });

  it('garbage query strings and headers', async () => {
    const queries = [
      'limit=abc',
      'limit=1e400',
      'status=dead&status=dead&status=dead&status=dead&status=dead',
      'status=__proto__',
      'cursor=%00',
      `cursor=${Buffer.from('["deliveries",1e308]').toString('base64url')}`,
      `cursor=${Buffer.from('["flights","x"]').toString('base64url')}`,
      'caseId=..%2F',
      'subscriberId=%F0%9F%9A%97',
      'from=0000-00-00T00:00:00Z',
      'from=9999-12-31T23:59:59Z&to=0001-01-01T00:00:00Z',
      'source=../../x',
      `${'a=1&'.repeat(2000)}`,
    ];
    for (const q of queries) {
      for (const path of ['/dispatch/deliveries', '/flights', '/export/dataset']) {
        await send({ method: 'GET', url: `${path}?${q}`, headers: h.auth('admin') });
      }
    }
    // The stream: hostile resume ids and keys (a valid request would stream forever).
    for (const last of ['-1', '1e400', 'abc', '9'.repeat(40), '\u00ff', '']) {
      await send({
        method: 'GET',
        url: '/cases/stream',
        headers: { ...h.auth('reviewer'), 'last-event-id': last },
      });
    }
    for (const authorization of [
      '',
      'Bearer',
      `Bearer ${'a'.repeat(100_000)}`,
      'Basic Og==',
      `Bearer ${h.keys.uploader}`,
    ]) {
      await send({ method: 'GET', url: '/cases/stream', headers: { authorization } });
    }
    expect(statuses.size).toBeGreaterThan(4);
  });
});
