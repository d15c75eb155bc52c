/**
 * Training export end to end: evidence renders a clean whole frame with the object's box, and
 * GET /export/dataset turns it into images/ + YOLO labels/, read back with the real `tar`.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openAppHarness, type AppHarness } from '../api/app-harness.js';
import type { Case } from '../cases/case-model.js';
import type { ViolationInput } from '../cases/violation-input.js';
import type { BoxXYXY } from '../detector/types.js';
import type { EvidenceSource, EvidenceViolation } from '../evidence/evidence-service.js';
import type { FrameProvider } from '../evidence/frame-provider.js';
import { decodeImage, type RawImage } from '../repositories/media-repository.js';
import { MemoryObjectStorage } from '../storage/memory-storage.js';
import { describeEngines, PG_URL } from './support/database-engines.js';
import { violationMaker } from './support/violation-input.js';

const run = promisify(execFile);
const W = 640;
const H = 480;
/** The detector ran on half-size frames: boxes are scaled ×2 into the 640×480 evidence frame. */
const SOURCE: EvidenceSource = { id: 'cam-yolo', name: 'Yolo St', analysisSize: { width: 320, height: 240 } };

/** A flat grey frame with a darker rectangle where the object is (nothing burned in). */
function picture(box: BoxXYXY): RawImage {
  const data = new Uint8Array(W * H * 3).fill(180);
  for (let y = box[1]; y < box[3]; y++)
    for (let x = box[0]; x < box[2]; x++) data.fill(60, (y * W + x) * 3, (y * W + x) * 3 + 3);
  return { data, width: W, height: H };
}

/** Frames from memory; no footage for clips (that kind is skipped). */
function framesOf(image: RawImage): FrameProvider {
  return {
    frameAt: async (ptsS) => ({ image, ptsS }),
    clip: async () => undefined,
  };
}

const violation = violationMaker({
  type: 'illegal_parking',
  confidence: 0.81,
  sourceId: SOURCE.id,
  zoneId: 'curb',
  firstSeen: '2026-03-01T08:00:00Z',
  lastSeen: '2026-03-01T08:05:00Z',
  dwellSeconds: 300,
});

describeEngines('YOLO training export on $engine', (kind) => {
  let h: AppHarness;
  let work: string;
  let parked: Case;
  let vendor: Case;
  let legacy: Case;
  const boxInFrame: BoxXYXY = [64, 48, 192, 240]; // 640×480 pixels

  const render = async (c: Case, input: ViolationInput, analysisBox: BoxXYXY) => {
    const v: EvidenceViolation = {
      id: input.violationId,
      type: input.type,
      zoneId: 'curb',
      dwellS: 300,
      confidence: input.confidence,
      evidence: { best: { ptsS: 3, box: analysisBox, score: 0.9 } },
    };
    return h.services.evidence.renderForViolation(c.id, v, SOURCE, framesOf(picture(boxInFrame)));
  };

  beforeAll(async () => {
    h = await openAppHarness(kind, PG_URL, { storage: new MemoryObjectStorage() });
    work = await mkdtemp(join(tmpdir(), 'gridwatch-yolo-'));
    const analysisBox: BoxXYXY = [32, 24, 96, 120];

    const pIn = violation();
    parked = (await h.services.cases.upsertFromViolation(pIn)).case;
    const first = await render(parked, pIn, analysisBox);
    expect(first.created).toContain('frame');
    expect(first.items.find((i) => i.kind === 'frame')?.meta).toEqual({
      width: W,
      height: H,
      box: boxInFrame,
    });
    // Idempotent: a retry renders nothing and the stored box stays.
    const again = await render(parked, pIn, [0, 0, 10, 10]);
    expect(again.created).toEqual([]);
    expect(again.items).toEqual(first.items);
    parked = await h.services.cases.confirm(parked.id, { expectedVersion: parked.version, actor: 'Li' });

    const vIn = violation({ type: 'street_vendor' });
    vendor = (await h.services.cases.upsertFromViolation(vIn)).case;
    await render(vendor, vIn, analysisBox);
    vendor = await h.services.cases.reject(vendor.id, {
      expectedVersion: vendor.version,
      actor: 'Zhao',
      reason: 'false_detection',
    });

    // A case rendered before `frame` existed: only a crop, so it is exported as a crop.
    const lIn = violation();
    legacy = (await h.services.cases.upsertFromViolation(lIn)).case;
    await render(legacy, lIn, analysisBox);
    await h.services.db.query(`DELETE FROM case_evidence WHERE case_id = $1 AND kind = 'frame'`, [legacy.id]);
    legacy = await h.services.cases.confirm(legacy.id, { expectedVersion: legacy.version, actor: 'Li' });
  });
  afterAll(async () => {
    await h?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('exports clean frames with YOLO labels, background for false detections, classes and CSV', async () => {
    const res = await h.app.inject({ url: '/export/dataset', headers: h.auth('reviewer') });
    expect(res.statusCode, res.body.slice(0, 200)).toBe(200);
    await writeFile(join(work, 'd.tar'), res.rawPayload);
    await run('tar', ['-xf', join(work, 'd.tar'), '-C', work]);
    const root = join(work, 'gridwatch-dataset');
    const text = (p: string) => readFile(join(root, p), 'utf8');

    // Confirmed: class 0 (vehicle), box 64..192 × 48..240 of 640×480.
    expect(await text(`labels/${parked.id}.txt`)).toBe('0 0.200000 0.300000 0.200000 0.400000\n');
    const image = await decodeImage(await readFile(join(root, `images/${parked.id}.jpg`)));
    expect([image.width, image.height]).toEqual([W, H]);
    // Clean: the pixels are the source's (grey outside the box, dark inside), no drawn outline.
    const px = (x: number, y: number) => image.data[(y * W + x) * 3] as number;
    expect(Math.abs(px(20, 20) - 180)).toBeLessThan(8);
    expect(Math.abs(px(128, 140) - 60)).toBeLessThan(8);
    expect(Math.abs(px(64, 140) - 60)).toBeLessThan(12); // the box edge: object, not a drawn line
    expect(Math.abs(px(60, 140) - 180)).toBeLessThan(12);

    // False detection: the frame with an empty label file (a hard negative).
    expect(await text(`labels/${vendor.id}.txt`)).toBe('');
    expect((await readFile(join(root, `images/${vendor.id}.jpg`))).length).toBeGreaterThan(0);

    // Without a stored frame the crop is still exported, unlabelled.
    expect((await readFile(join(root, `crops/confirmed/vehicle/${legacy.id}.jpg`))).length).toBeGreaterThan(
      0,
    );

    expect(await text('classes.txt')).toBe(
      'vehicle\nperson\nvendor_stall\nwaste_bin\nbin_overflow\ngarbage_pile\n',
    );
    expect(await text('data.yaml')).toContain('names:\n  0: vehicle\n  1: person\n  2: vendor_stall\n');
    const rows = (await text('decisions.csv')).trimEnd().split('\r\n');
    const row = (c: Case) => rows.find((r) => r.startsWith(c.id));
    expect(row(parked)).toMatch(
      new RegExp(`,illegal_parking,confirmed,Li,.*,images/${parked.id}\\.jpg,labels/${parked.id}\\.txt$`),
    );
    expect(row(vendor)).toMatch(
      new RegExp(
        `,street_vendor,rejected,Zhao,false_detection,.*,images/${vendor.id}\\.jpg,labels/${vendor.id}\\.txt$`,
      ),
    );
    expect(row(legacy)).toMatch(new RegExp(`,crops/confirmed/vehicle/${legacy.id}\\.jpg,$`));
    const readme = await text('README.txt');
    expect(readme).toContain('images with YOLO labels: 1');
    expect(readme).toContain('background images (false detections, empty label): 1');
  });
});
