/**
 * GET /export/dataset: reviewers' decisions as a training set, read back with the real `tar`.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openAppHarness, type AppHarness } from '../api/app-harness.js';
import type { Case } from '../cases/case-model.js';
import type { ViolationInput } from '../cases/violation-input.js';
import { violationMaker } from './support/violation-input.js';
import { evidenceKey } from '../evidence/evidence-service.js';
import { DatasetExportService, type DatasetSampleSource } from '../export/dataset-export.js';
import { EvidenceRepository } from '../repositories/database-evidence.js';
import { encodeJpeg } from '../repositories/media-repository.js';
import { MemoryObjectStorage } from '../storage/memory-storage.js';
import { sha256Hex } from '../storage/object-range.js';
import { describeEngines, PG_URL } from './support/database-engines.js';

const run = promisify(execFile);

const violation = violationMaker({
  type: 'illegal_parking',
  confidence: 0.77,
  sourceId: 'cam-export',
  zoneId: 'bus-stop',
  firstSeen: '2026-03-01T08:00:00Z',
  lastSeen: '2026-03-01T08:05:00Z',
  dwellSeconds: 300,
  model: { name: 'gridwatch-street', version: '1.2.0' },
});

describeEngines('dataset export on $engine', (kind) => {
  let h: AppHarness;
  let work: string;
  const storage = new MemoryObjectStorage();
  const jpegs = new Map<string, Buffer>();
  let parked: Case;
  let vendor: Case;
  let pile: Case;
  let soil: Case;
  let lost: Case;
  let open: Case;

  const newCase = async (over: Partial<ViolationInput> = {}) =>
    (await h.services.cases.upsertFromViolation(violation(over))).case;
  const confirm = (c: Case) =>
    h.services.cases.confirm(c.id, { expectedVersion: c.version, actor: 'Li Na [abc123abc123]' });
  const addCrop = async (c: Case, shade: number) => {
    const jpeg = await encodeJpeg(
      { data: new Uint8Array(32 * 24 * 3).fill(shade), width: 32, height: 24 },
      80,
    );
    const sha256 = sha256Hex(jpeg);
    const key = evidenceKey(c.id, 'crop', sha256);
    await storage.put(key, jpeg, 'image/jpeg');
    await new EvidenceRepository(h.services.db).insertIfAbsent({
      caseId: c.id,
      kind: 'crop',
      key,
      contentType: 'image/jpeg',
      bytes: jpeg.length,
      sha256,
    });
    jpegs.set(c.id, jpeg);
    return key;
  };

  beforeAll(async () => {
    h = await openAppHarness(kind, PG_URL, { storage });
    work = await mkdtemp(join(tmpdir(), 'gridwatch-export-'));
    parked = await confirm(await newCase());
    await addCrop(parked, 90);
    vendor = await newCase({ type: 'street_vendor' });
    await addCrop(vendor, 160);
    vendor = await h.services.cases.reject(vendor.id, {
      expectedVersion: 1,
      actor: 'Zhao [def456def456]',
      reason: 'false_detection',
    });
    pile = await confirm(await newCase({ type: 'garbage_pile' }));
    pile = await h.services.cases.markDispatched(pile.id, { actor: 'dispatch' });
    soil = await newCase({ type: 'exposed_soil' });
    soil = await h.services.cases.reject(soil.id, {
      expectedVersion: 1,
      actor: 'Zhao [def456def456]',
      reason: 'other',
      text: '=HYPERLINK("http://x") covered, "netting" in place',
    });
    lost = await confirm(await newCase());
    await storage.delete(await addCrop(lost, 200)); // the row outlives its file
    open = await newCase();
  });
  afterAll(async () => {
    await h?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const download = async (query: string, role: 'reviewer' | 'admin' = 'reviewer') => {
    const res = await h.app.inject({ url: `/export/dataset${query}`, headers: h.auth(role) });
    expect(res.statusCode, res.body.slice(0, 200)).toBe(200);
    const dir = await mkdtemp(join(work, 'x-'));
    await writeFile(join(dir, 'dataset.tar'), res.rawPayload);
    await run('tar', ['-xf', join(dir, 'dataset.tar'), '-C', dir]);
    const root = join(dir, 'gridwatch-dataset');
    const csv = (await readFile(join(root, 'decisions.csv'), 'utf8')).trimEnd().split('\r\n');
    return { res, root, csv, rows: csv.slice(1) };
  };

  it('streams a tar of decided cases: crops by decision and class, decisions CSV, class list', async () => {
    const { res, root, csv, rows } = await download('');
    expect(res.headers['content-type']).toBe('application/x-tar');
    expect(res.headers['content-disposition']).toMatch(
      /^attachment; filename="gridwatch-dataset-\d{8}T\d{6}\.tar"$/,
    );
    expect(csv[0]).toBe(
      'case_id,type,status,reviewer,reason,reason_text,decided_at,class,confidence,source_id,category_code,model,image,label',
    );
    const byId = new Map(rows.map((r) => [r.slice(0, 36), r]));
    expect([...byId.keys()].sort()).toEqual([parked.id, vendor.id, pile.id, soil.id, lost.id].sort());
    expect(byId.has(open.id)).toBe(false);

    expect(await readFile(join(root, 'crops/confirmed/vehicle', `${parked.id}.jpg`))).toEqual(
      jpegs.get(parked.id),
    );
    expect(await readFile(join(root, 'crops/rejected/vendor_stall', `${vendor.id}.jpg`))).toEqual(
      jpegs.get(vendor.id),
    );
    expect(byId.get(parked.id)).toContain(
      `,illegal_parking,confirmed,Li Na [abc123abc123],,,${parked.decidedAt},vehicle,0.77,cam-export,`,
    );
    expect(byId.get(parked.id)).toMatch(
      /,gridwatch-street@1\.2\.0,crops\/confirmed\/vehicle\/[0-9a-f-]+\.jpg,$/,
    );
    expect(byId.get(vendor.id)).toContain(',street_vendor,rejected,Zhao [def456def456],false_detection,,');
    expect(byId.get(pile.id)).toContain(',garbage_pile,dispatched,');
    expect(byId.get(pile.id)).toMatch(/,,$/); // no evidence: CSV only
    expect(byId.get(lost.id)).toMatch(/,,$/); // evidence row without its file: CSV only
    // Reviewer text is quoted and a leading formula defused.
    expect(byId.get(soil.id)).toContain(`,other,"'=HYPERLINK(""http://x"") covered, ""netting"" in place",`);

    expect(await readFile(join(root, 'data.yaml'), 'utf8')).toContain('  5: garbage_pile\n');
    const readme = await readFile(join(root, 'README.txt'), 'utf8');
    expect(readme).toContain('cases: 5');
    expect(readme).toContain('crops without boxes (crops/<confirmed|rejected>/<class>/): 2');
    expect(existsSync(join(root, 'images'))).toBe(false);
  });

  it('filters by decision status and decision time', async () => {
    const rejected = await download('?status=rejected');
    expect(rejected.rows.map((r) => r.slice(0, 36)).sort()).toEqual([vendor.id, soil.id].sort());
    const two = await download('?status=dispatched&status=closed', 'admin');
    expect(two.rows.map((r) => r.slice(0, 36))).toEqual([pile.id]);
    const future = await download(
      `?from=${encodeURIComponent(new Date(Date.now() + 3600_000).toISOString())}`,
    );
    expect(future.rows).toEqual([]);
    expect(await readdir(future.root)).toEqual(['README.txt', 'classes.txt', 'data.yaml', 'decisions.csv']);
    const upTo = await download(`?to=${encodeURIComponent(parked.decidedAt as string)}`);
    expect(upTo.rows).toEqual([]);
  });

  it('refuses bad queries and roles that may not export', async () => {
    const auth = h.auth('reviewer');
    for (const q of [
      '?status=candidate',
      '?from=yesterday',
      '?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z',
      '?x=1',
    ]) {
      expect((await h.app.inject({ url: `/export/dataset${q}`, headers: auth })).statusCode, q).toBe(400);
    }
    expect((await h.app.inject({ url: '/export/dataset' })).statusCode).toBe(401);
    for (const role of ['uploader', 'dispatch'] as const) {
      expect((await h.app.inject({ url: '/export/dataset', headers: h.auth(role) })).statusCode).toBe(403);
    }
  });

  it('writes YOLO images and labels when a sample source knows the boxes in a whole frame', async () => {
    const frames: DatasetSampleSource = {
      sampleFor: async (c) =>
        c.id === parked.id || c.id === vendor.id || c.id === soil.id
          ? {
              body: Buffer.from(`frame of ${c.id}`),
              bytes: Buffer.byteLength(`frame of ${c.id}`),
              extension: 'jpg',
              frame: { width: 640, height: 480, boxes: [[64, 48, 192, 240]] },
            }
          : undefined,
    };
    const service = new DatasetExportService(h.services.db, frames);
    const files = new Map<string, string>();
    for await (const e of service.entries({}))
      files.set(e.name, Buffer.isBuffer(e.body) ? e.body.toString() : '<stream>');
    expect(files.get(`gridwatch-dataset/images/${parked.id}.jpg`)).toBe(`frame of ${parked.id}`);
    expect(files.get(`gridwatch-dataset/labels/${parked.id}.txt`)).toBe(
      '0 0.200000 0.300000 0.200000 0.400000\n',
    );
    // A false detection is a background image: empty label file.
    expect(files.get(`gridwatch-dataset/labels/${vendor.id}.txt`)).toBe('');
    // Exposed soil has no detector class: its frame is kept as a crop-style sample, not labelled.
    expect(files.has(`gridwatch-dataset/labels/${soil.id}.txt`)).toBe(false);
    expect(files.has(`gridwatch-dataset/crops/rejected/exposed_soil/${soil.id}.jpg`)).toBe(true);
    expect(files.get('gridwatch-dataset/README.txt')).toContain('images with YOLO labels: 1');
  });
});
