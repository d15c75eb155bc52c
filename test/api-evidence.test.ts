/**
 * Evidence through the HTTP API (app.inject) on PGlite and PostgreSQL: listing, downloads with
 * content type, ETag, conditional requests and byte ranges, roles, and hostile paths. The files
 * are rendered for real from a generated video into a local folder store.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, rmSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openAppHarness, type AppHarness } from '../api/app-harness.js';
import type { Role } from '../api/auth/roles.js';
import type { EvidenceRecord } from '../evidence/evidence-model.js';
import { VideoFileFrameProvider } from '../evidence/frame-provider.js';
import { LocalFolderStorage } from '../storage/local-folder-storage.js';
import { makeTestVideo, tempDir } from './support/video-fixtures.js';
import { describeEngines, PG_URL } from './support/database-engines.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let dir: string;
let video: string;
beforeAll(async () => {
  dir = tempDir('gridwatch-api-evidence-');
  video = await makeTestVideo(join(dir, 'cam.mp4'), {
    seconds: 8,
    extra: ['-g', '25', '-keyint_min', '25', '-sc_threshold', '0'],
  });
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describeEngines('evidence API on $engine', (kind) => {
  let h: AppHarness;
  let storage: LocalFolderStorage;
  let caseId: string;
  let items: EvidenceRecord[];
  const byKind = (k: string) => items.find((i) => i.kind === k) as EvidenceRecord;

  beforeAll(async () => {
    storage = new LocalFolderStorage(join(dir, `store-${kind}`, 'evidence'));
    h = await openAppHarness(kind, PG_URL, { storage });
    const created = await h.services.cases.upsertFromViolation({
      violationId: `v-${randomUUID()}`,
      type: 'illegal_parking',
      confidence: 0.8,
      sourceId: 'cam-api',
      zoneId: 'bus-stop',
      firstSeen: '2026-03-01T08:00:00Z',
      lastSeen: '2026-03-01T08:04:00Z',
      dwellSeconds: 240,
    });
    caseId = created.case.id;
    const box: [number, number, number, number] = [40, 60, 160, 180];
    const result = await h.services.evidence.renderForViolation(
      caseId,
      {
        id: created.case.violationId,
        type: 'illegal_parking',
        zoneId: 'bus-stop',
        dwellS: 240,
        confidence: 0.8,
        evidence: {
          start: { ptsS: 1, box, score: 0.7 },
          threshold: { ptsS: 4, box, score: 0.8 },
          best: { ptsS: 5, box, score: 0.9 },
        },
      },
      { id: 'cam-api', name: 'Test camera' },
      new VideoFileFrameProvider(video),
    );
    expect(result.skipped).toEqual([]);
    items = result.items;
  });
  afterAll(async () => {
    await h?.close();
  });

  const get = (
    role: Role | null,
    url: string,
    headers: Record<string, string> = {},
    method: InjectOptions['method'] = 'GET',
  ) => h.app.inject({ method, url, headers: { ...(role ? h.auth(role) : {}), ...headers } });
  const url = (k: string) => `/cases/${caseId}/evidence/${k}`;

  it('lists the evidence with kind, type, size, hash and download path', async () => {
    for (const role of ['reviewer', 'dispatch', 'admin'] as const) {
      const res = await get(role, `/cases/${caseId}/evidence`);
      expect(res.statusCode).toBe(200);
      expect(res.json().items).toEqual(
        items.map((i) => ({
          kind: i.kind,
          contentType: i.contentType,
          bytes: i.bytes,
          sha256: i.sha256,
          url: url(i.kind),
          createdAt: i.createdAt,
        })),
      );
    }
    expect((await get(null, `/cases/${randomUUID()}/evidence`)).statusCode).toBe(401);
    expect((await get('reviewer', `/cases/${randomUUID()}/evidence`)).statusCode).toBe(404);
  });

  it('serves each file whole with its content type, length and hash as ETag', async () => {
    for (const item of items) {
      const res = await get('reviewer', url(item.kind));
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe(item.contentType);
      expect(res.headers['content-length']).toBe(String(item.bytes));
      expect(res.headers.etag).toBe(`"${item.sha256}"`);
      expect(res.headers['accept-ranges']).toBe('bytes');
      expect(res.headers['content-disposition']).toContain(`case-${caseId}-${item.kind}.`);
      expect(sha(res.rawPayload)).toBe(item.sha256);
    }
    const head = await get('dispatch', url('clip'), {}, 'HEAD');
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-length']).toBe(String(byKind('clip').bytes));
    expect(head.rawPayload.length).toBe(0);
  });

  it('serves byte ranges (206), refuses unsatisfiable ones (416) and ignores what it cannot honour', async () => {
    const clip = byKind('clip');
    const whole = (await get('reviewer', url('clip'))).rawPayload;
    const size = clip.bytes;

    const first = await get('reviewer', url('clip'), { range: 'bytes=0-99' });
    expect(first.statusCode).toBe(206);
    expect(first.headers['content-range']).toBe(`bytes 0-99/${size}`);
    expect(first.headers['content-length']).toBe('100');
    expect(first.headers['content-type']).toBe('video/mp4');
    expect(first.rawPayload.equals(whole.subarray(0, 100))).toBe(true);

    const middle = await get('reviewer', url('clip'), { range: `bytes=1000-${size + 5000}` });
    expect(middle.statusCode).toBe(206);
    expect(middle.headers['content-range']).toBe(`bytes 1000-${size - 1}/${size}`);
    expect(middle.rawPayload.equals(whole.subarray(1000))).toBe(true);

    const suffix = await get('reviewer', url('clip'), { range: 'bytes=-500' });
    expect(suffix.statusCode).toBe(206);
    expect(suffix.rawPayload.equals(whole.subarray(size - 500))).toBe(true);

    for (const range of [`bytes=${size}-`, `bytes=${size + 10}-${size + 20}`, 'bytes=-0']) {
      const res = await get('reviewer', url('clip'), { range });
      expect(res.statusCode, range).toBe(416);
      expect(res.headers['content-range']).toBe(`bytes */${size}`);
      expect(res.json().error.code).toBe('RANGE_NOT_SATISFIABLE');
    }

    for (const range of [
      'bytes=0-1,5-6',
      'bytes=9-2',
      'lines=1-2',
      'bytes=abc',
      `bytes=${'9'.repeat(400)}-`,
    ]) {
      const res = await get('reviewer', url('clip'), { range });
      expect(res.statusCode, range).toBeLessThan(500);
    }
    expect((await get('reviewer', url('clip'), { range: 'bytes=0-1,5-6' })).statusCode).toBe(200);

    // If-Range: the range holds only for the current version of the file.
    const stale = await get('reviewer', url('clip'), { range: 'bytes=0-9', 'if-range': '"0000"' });
    expect(stale.statusCode).toBe(200);
    expect(stale.rawPayload.length).toBe(size);
    const fresh = await get('reviewer', url('clip'), { range: 'bytes=0-9', 'if-range': `"${clip.sha256}"` });
    expect(fresh.statusCode).toBe(206);
  });

  it('answers 304 when the client already has the file', async () => {
    const item = byKind('annotated');
    const res = await get('reviewer', url('annotated'), { 'if-none-match': `"${item.sha256}"` });
    expect(res.statusCode).toBe(304);
    expect(res.rawPayload.length).toBe(0);
    expect(res.headers.etag).toBe(`"${item.sha256}"`);
    expect((await get('reviewer', url('annotated'), { 'if-none-match': '"other"' })).statusCode).toBe(200);
  });

  it('needs a reader key: 401 without, 403 for uploader', async () => {
    for (const path of [`/cases/${caseId}/evidence`, url('crop')]) {
      const none = await get(null, path);
      expect(none.statusCode).toBe(401);
      expect(none.headers['www-authenticate']).toBe('Bearer');
      expect((await get('uploader', path)).statusCode).toBe(403);
    }
  });

  it('turns unknown cases and kinds, and hostile paths, into 4xx without touching files outside the store', async () => {
    expect((await get('reviewer', `/cases/${randomUUID()}/evidence/crop`)).json().error.code).toBe(
      'NOT_FOUND',
    );
    expect((await get('reviewer', `/cases/not-a-uuid/evidence/crop`)).statusCode).toBe(400);
    expect((await get('reviewer', `/cases/${caseId}/evidence/passwd`)).statusCode).toBe(400);
    const hostile = [
      `/cases/${caseId}/evidence/..%2f..%2f..%2fetc%2fpasswd`,
      `/cases/${caseId}/evidence/../../../../etc/passwd`,
      `/cases/${caseId}/evidence/%2e%2e`,
      `/cases/${caseId}/evidence/crop%00.jpg`,
      `/cases/..%2f..%2fetc/evidence/crop`,
      `/cases/${caseId}/evidence/${'a'.repeat(5000)}`,
      `/cases/${caseId}/evidence/crop/../../annotated`,
    ];
    for (const path of hostile) {
      const res = await get('admin', path);
      expect(res.statusCode, path).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, path).toBeLessThan(500);
      expect(res.headers['content-type'] ?? '').not.toContain('image/');
    }
    const files = (
      readdirSync(join(storage.root, '..'), { recursive: true, withFileTypes: true }) as Dirent[]
    )
      .filter((d) => d.isFile())
      .map((d) => join(d.parentPath ?? d.path, d.name).slice(storage.root.length + 1));
    expect(
      files.every((f) => f.startsWith(`cases/${caseId}/`) || f.startsWith(`.meta/cases/${caseId}/`)),
    ).toBe(true);
  });

  it('reports a file missing from the store as 404, not 500', async () => {
    const other = await h.services.cases.upsertFromViolation({
      violationId: `v-${randomUUID()}`,
      type: 'illegal_parking',
      confidence: 0.8,
      sourceId: 'cam-api',
      firstSeen: '2026-03-01T08:00:00Z',
      lastSeen: '2026-03-01T08:04:00Z',
      dwellSeconds: 240,
    });
    const r = await h.services.evidence.renderForViolation(
      other.case.id,
      {
        id: other.case.violationId,
        type: 'illegal_parking',
        zoneId: 'frame',
        dwellS: 240,
        confidence: 0.8,
        evidence: { threshold: { ptsS: 2, box: [10, 10, 60, 60], score: 0.8 } },
      },
      { id: 'cam-api' },
      new VideoFileFrameProvider(video),
    );
    const crop = r.items.find((i) => i.kind === 'crop') as EvidenceRecord;
    await storage.delete(crop.key);
    const res = await get('reviewer', `/cases/${other.case.id}/evidence/crop`);
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('NOT_FOUND');
    expect((await get('reviewer', `/cases/${other.case.id}/evidence/start_frame`)).statusCode).toBe(404);
  });

  it('is described in the OpenAPI document', async () => {
    const spec = (await h.app.inject({ url: '/openapi.json' })).json();
    const download = spec.paths['/cases/{id}/evidence/{kind}'].get;
    expect(Object.keys(download.responses)).toEqual(
      expect.arrayContaining(['200', '206', '304', '404', '416']),
    );
    expect(download.security).toEqual([{ apiKey: [] }]);
    expect(spec.paths['/cases/{id}/evidence'].get).toBeDefined();
  });
});
