/**
 * Evidence rendered for real: a generated H.264 video, ffmpeg for frames and clips, sharp for the
 * overlay and crop, files in a local folder store, records on PGlite and on PostgreSQL.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError } from '../cases/case-errors.js';
import { CaseService } from '../cases/case-service.js';
import { loadCategoryCodes } from '../cases/category-codes.js';
import { cropRaw, cropRect } from '../evidence/crop-region.js';
import { EVIDENCE_KINDS } from '../evidence/evidence-model.js';
import {
  EvidenceService,
  toCaseEvidence,
  type EvidenceSource,
  type EvidenceViolation,
} from '../evidence/evidence-service.js';
import { RingBufferFrameProvider, VideoFileFrameProvider } from '../evidence/frame-provider.js';
import { FrameRingBuffer } from '../evidence/frame-ring-buffer.js';
import { EvidenceRepository } from '../repositories/database-evidence.js';
import { migrate } from '../repositories/database-migrations.js';
import { openScratchDatabase, type ScratchDatabase } from '../repositories/database-scratch.js';
import { cutVideoClip, grabVideoFrame, probeMedia } from '../repositories/ffmpeg-repository.js';
import { decodeImage, encodeJpeg, type RawImage } from '../repositories/media-repository.js';
import { LocalFolderStorage } from '../storage/local-folder-storage.js';
import { FileFrameSource } from '../video/file-frame-source.js';
import { ffmpegCli, hasEncoder, makeTestVideo, tempDir } from './support/video-fixtures.js';
import { describeEngines, PG_URL } from './support/database-engines.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const BOX: [number, number, number, number] = [40, 60, 160, 180];
const SOURCE: EvidenceSource = {
  id: 'cam-ev',
  name: 'Wensan Rd / Xueyuan Rd',
  timezone: 'Asia/Shanghai',
  zones: [
    {
      id: 'bus-stop',
      name: 'Bus stop',
      polygon: [
        [0.1, 0.6],
        [0.5, 0.6],
        [0.5, 0.95],
        [0.1, 0.95],
      ],
    },
  ],
};

function violation(evidence?: EvidenceViolation['evidence']): EvidenceViolation {
  return {
    id: `cam-ev:illegal_parking:bus-stop:${randomUUID()}`,
    type: 'illegal_parking',
    zoneId: 'bus-stop',
    dwellS: 250,
    confidence: 0.8,
    evidence: evidence ?? {
      start: { ptsS: 2, box: BOX, score: 0.7 },
      threshold: { ptsS: 6.52, box: BOX, score: 0.8, wallClockMs: Date.UTC(2026, 2, 1, 8, 3, 0) },
      best: { ptsS: 7, box: BOX, score: 0.9, wallClockMs: Date.UTC(2026, 2, 1, 8, 3, 0, 480) },
    },
  };
}

function mean(img: RawImage, rows: number): number {
  let sum = 0;
  const n = img.width * rows * 3;
  for (let i = 0; i < n; i++) sum += img.data[i] as number;
  return sum / n;
}

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs((a[i] as number) - (b[i] as number));
  return sum / a.length;
}

function filesUnder(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as Dirent[])
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath ?? d.path, d.name).slice(dir.length + 1))
    .sort();
}

let dir: string;
let video: string;
beforeAll(async () => {
  dir = tempDir('gridwatch-evidence-');
  // A key frame every second, so a stream copy can start close to any window.
  video = await makeTestVideo(join(dir, 'street.mp4'), {
    seconds: 12,
    extra: ['-g', '25', '-keyint_min', '25', '-sc_threshold', '0'],
  });
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function probeClip(
  data: Buffer,
): Promise<{ codec: string; tag: string; durationS: number; frames: number }> {
  const path = join(dir, `probe-${randomUUID()}.mp4`);
  writeFileSync(path, data);
  const p = await probeMedia(path);
  const v = p.streams.find((s) => s.codec_type === 'video') ?? {};
  return {
    codec: String(v.codec_name),
    tag: String(v.codec_tag_string),
    durationS: Number(p.format.duration),
    frames: Number(v.nb_frames),
  };
}

describe('frames and clips from a video file', () => {
  it('grabs exactly the frame the file frame source delivers at that pts', async () => {
    const source = await FileFrameSource.open(video, { startS: 6.4, durationS: 0.2 });
    const decoded = [];
    for await (const f of source) decoded.push(f);
    const target = decoded[2]!;
    const grabbed = await grabVideoFrame(video, target.ptsS);
    expect(grabbed.ptsS).toBeCloseTo(target.ptsS, 6);
    expect(Buffer.from(grabbed.data).equals(Buffer.from(target.image.data))).toBe(true);
    // Between two frames: the one on screen, i.e. the earlier.
    expect((await grabVideoFrame(video, target.ptsS + 0.02)).ptsS).toBeCloseTo(target.ptsS, 6);
    await expect(grabVideoFrame(video, 100)).rejects.toThrow(/no frame near 100/);
  });

  it('stream-copies from the key frame at or before the window start', async () => {
    const clip = await cutVideoClip({ input: video, startS: 1.52, endS: 5.52 });
    expect(clip).toMatchObject({ method: 'copy', startS: 1 });
    const probe = await probeClip(clip.data);
    expect(probe.codec).toBe('h264');
    expect(probe.durationS).toBeGreaterThan(4.4);
    expect(probe.durationS).toBeLessThan(4.7);
    // The clip's first frame is the source's key frame at 1 s, untouched.
    const path = join(dir, 'copied.mp4');
    writeFileSync(path, clip.data);
    const first = await grabVideoFrame(path, 0);
    const atKey = await grabVideoFrame(video, 1);
    expect(Buffer.from(first.data).equals(Buffer.from(atKey.data))).toBe(true);
  });

  it('re-encodes when the codec cannot be copied into MP4', async () => {
    const mjpeg = join(dir, 'old-dvr.avi');
    await ffmpegCli(['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=10:duration=6', '-c:v', 'mjpeg', mjpeg]);
    const clip = await cutVideoClip({ input: mjpeg, startS: 1.5, endS: 4.5 });
    expect(clip.method).toBe('reencode');
    const probe = await probeClip(clip.data);
    expect(probe.codec).toBe('h264');
    expect(probe.durationS).toBeGreaterThan(2.8);
    expect(probe.durationS).toBeLessThan(3.2);
    await expect(cutVideoClip({ input: mjpeg, startS: 30, endS: 40 })).rejects.toThrow(/ends at/);
  });

  it.skipIf(!hasEncoder('libx265'))('copies H.265 with the hvc1 tag browsers need', async () => {
    const hevc = await makeTestVideo(join(dir, 'drone.mp4'), { codec: 'libx265', seconds: 4 });
    const clip = await cutVideoClip({ input: hevc, startS: 0, endS: 2 });
    expect(clip.method).toBe('copy');
    expect(await probeClip(clip.data)).toMatchObject({ codec: 'hevc', tag: 'hvc1' });
  });
});

describeEngines('evidence service on $engine', (kind) => {
  let scratch: ScratchDatabase;
  let cases: CaseService;
  let storage: LocalFolderStorage;
  let service: EvidenceService;

  beforeAll(async () => {
    scratch = await openScratchDatabase(kind, PG_URL);
    await migrate(scratch.db);
    cases = new CaseService(scratch.db, await loadCategoryCodes());
    storage = new LocalFolderStorage(join(dir, `store-${kind}`));
    service = new EvidenceService(scratch.db, storage, { clipBeforeS: 5, clipAfterS: 5 });
  });
  afterAll(async () => {
    await scratch?.dispose();
  });

  async function newCase(v: EvidenceViolation): Promise<string> {
    const created = await cases.upsertFromViolation({
      violationId: v.id,
      type: v.type,
      confidence: v.confidence,
      sourceId: SOURCE.id,
      zoneId: v.zoneId,
      firstSeen: '2026-03-01T07:58:50Z',
      lastSeen: '2026-03-01T08:03:00Z',
      dwellSeconds: v.dwellS,
    });
    return created.case.id;
  }

  it('renders every kind from a video file and records each file with its hash', async () => {
    const v = violation();
    const caseId = await newCase(v);
    const frames = new VideoFileFrameProvider(video);
    const result = await service.renderForViolation(caseId, v, SOURCE, frames);
    expect(result.skipped).toEqual([]);
    expect(result.created).toEqual([...EVIDENCE_KINDS]);
    expect(result.items.map((i) => i.kind)).toEqual([...EVIDENCE_KINDS]);

    for (const item of result.items) {
      const bytes = readFileSync(storage.pathOf(item.key));
      expect(item.sha256).toBe(sha(bytes));
      expect(item.bytes).toBe(bytes.length);
      expect(item.key).toBe(
        `cases/${caseId}/${item.kind}-${item.sha256.slice(0, 16)}.${item.kind === 'clip' ? 'mp4' : 'jpg'}`,
      );
      expect(item.contentType).toBe(item.kind === 'clip' ? 'video/mp4' : 'image/jpeg');
    }
    const byKind = Object.fromEntries(result.items.map((i) => [i.kind, i]));
    const read = (k: string) => readFileSync(storage.pathOf(byKind[k]!.key));

    // Annotated: full frame, with the caption band darkening the top against the clean frame.
    const raw = (await frames.frameAt(7)).image;
    const annotated = await decodeImage(read('annotated'));
    expect([annotated.width, annotated.height]).toEqual([320, 240]);
    expect(mean(annotated, 20)).toBeLessThan(mean(raw, 20) * 0.75);
    // Start and threshold are different moments, so different pictures.
    expect(byKind.start_frame!.sha256).not.toBe(byKind.threshold_frame!.sha256);
    expect(byKind.threshold_frame!.sha256).not.toBe(byKind.annotated!.sha256);

    // Crop: the box plus margin, clean (close to the source pixels, nothing drawn on it).
    const rect = cropRect(BOX, 320, 240)!;
    const crop = await decodeImage(read('crop'));
    expect([crop.width, crop.height]).toEqual([rect.width, rect.height]);
    expect(meanAbsDiff(crop.data, cropRaw(raw, rect).data)).toBeLessThan(6);

    // Clip: 1.52–11.52 s around the threshold, copied from the key frame at 1 s.
    const clip = await probeClip(read('clip'));
    expect(clip.codec).toBe('h264');
    expect(clip.durationS).toBeGreaterThan(10.3);
    expect(clip.durationS).toBeLessThan(10.8);

    expect(await service.list(caseId)).toEqual(result.items);
    expect(toCaseEvidence(result.items)[0]).toEqual({
      kind: 'annotated',
      key: byKind.annotated!.key,
      contentType: 'image/jpeg',
      sha256: byKind.annotated!.sha256,
      bytes: byKind.annotated!.bytes,
    });

    // A retry (same or different frames) changes nothing: same rows, same keys, no new files.
    const filesBefore = filesUnder(storage.root);
    const again = await service.renderForViolation(caseId, violation(), SOURCE, frames);
    expect(again.created).toEqual([]);
    expect(again.items).toEqual(result.items);
    expect(await new EvidenceRepository(scratch.db).count(caseId)).toBe(EVIDENCE_KINDS.length);
    expect(filesUnder(storage.root)).toEqual(filesBefore);
  });

  it('two renders of one case at once leave one row per kind and only the recorded files', async () => {
    const v = violation();
    const caseId = await newCase(v);
    const frames = new VideoFileFrameProvider(video);
    const [a, b] = await Promise.all([
      service.renderForViolation(caseId, v, SOURCE, frames),
      service.renderForViolation(caseId, v, SOURCE, frames),
    ]);
    expect(a.items).toEqual(b.items);
    const rows = await service.list(caseId);
    expect(rows).toHaveLength(EVIDENCE_KINDS.length);
    const onDisk = filesUnder(storage.root).filter((f) => f.startsWith(`cases/${caseId}/`));
    expect(onDisk).toEqual(rows.map((r) => r.key).sort());
  });

  it('skips what the violation or the footage cannot give, and says why', async () => {
    const onlyThreshold = violation({ threshold: { ptsS: 3, box: BOX, score: 0.8 } });
    const a = await newCase(onlyThreshold);
    const ra = await service.renderForViolation(a, onlyThreshold, SOURCE, new VideoFileFrameProvider(video));
    expect(ra.created).toEqual(['annotated', 'crop', 'frame', 'threshold_frame', 'clip']);
    expect(ra.skipped).toEqual([{ kind: 'start_frame', reason: 'the violation carries no frame for it' }]);

    const pastTheEnd = violation({
      start: { ptsS: 4, box: BOX, score: 0.7 },
      threshold: { ptsS: 40, box: BOX, score: 0.8 },
      best: { ptsS: 41, box: [400, 400, 500, 500], score: 0.9 },
    });
    const b = await newCase(pastTheEnd);
    const rb = await service.renderForViolation(b, pastTheEnd, SOURCE, new VideoFileFrameProvider(video));
    expect(rb.created).toEqual(['start_frame']);
    expect(rb.skipped.map((s) => s.kind)).toEqual(['annotated', 'crop', 'frame', 'threshold_frame', 'clip']);
    expect(rb.skipped[0]!.reason).toMatch(/no frame near 41/);
    expect(rb.skipped[4]!.reason).toMatch(/ends at/);
  });

  it('refuses unknown cases', async () => {
    const frames = new VideoFileFrameProvider(video);
    await expect(
      service.renderForViolation(randomUUID(), violation(), SOURCE, frames),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(service.renderForViolation('../../etc', violation(), SOURCE, frames)).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(service.list(randomUUID())).rejects.toBeInstanceOf(NotFoundError);
  });

  it.runIf(kind === 'pglite')('renders a live camera case from the ring buffer', async () => {
    const ring = new FrameRingBuffer({ capacity: 100 });
    const source = await FileFrameSource.open(video, { fps: 5 });
    for await (const f of source) ring.push({ ptsS: f.ptsS, jpeg: await encodeJpeg(f.image, 85) });
    expect(ring.size).toBe(60);
    const v = violation();
    const caseId = await newCase(v);
    const result = await service.renderForViolation(caseId, v, SOURCE, new RingBufferFrameProvider(ring));
    expect(result.created).toEqual([...EVIDENCE_KINDS]);
    const byKind = Object.fromEntries(result.items.map((i) => [i.kind, i]));
    const annotated = await decodeImage(readFileSync(storage.pathOf(byKind.annotated!.key)));
    expect([annotated.width, annotated.height]).toEqual([320, 240]);
    // 1.52–11.52 s at 5 fps: the 50 buffered frames from 1.6 s to 11.4 s, 0.2 s each.
    const clip = await probeClip(readFileSync(storage.pathOf(byKind.clip!.key)));
    expect(clip.codec).toBe('h264');
    expect(clip.durationS).toBeGreaterThan(9.8);
    expect(clip.durationS).toBeLessThan(10.2);
  });
});
