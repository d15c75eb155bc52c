/**
 * Renders, stores and serves a case's evidence. Rendering is idempotent per (case, kind): kinds
 * already recorded are left alone, and a new file goes to a content-addressed key before its row
 * is inserted, so a retried or concurrent render neither duplicates rows nor repoints one.
 */
import { GridwatchError, InvalidInputError, MediaError, errorMessage } from '../common/errors.js';
import { NotFoundError } from '../cases/case-errors.js';
import type { EvidenceItem } from '../cases/case-model.js';
import type { BoxXYXY } from '../detector/types.js';
import { EvidenceRepository } from '../repositories/database-evidence.js';
import { sqlState, type Database } from '../repositories/database-repository.js';
import { encodeJpeg, overlaySvg } from '../repositories/media-repository.js';
import type { ByteRange, ObjectRead, ObjectStorage } from '../storage/object-storage.js';
import { sha256Hex } from '../storage/object-range.js';
import { StorageError } from '../storage/storage-errors.js';
import type { FrameRef, Violation } from '../violations/violation-types.js';
import { cropRaw, cropRect } from './crop-region.js';
import {
  EVIDENCE_FORMATS,
  EVIDENCE_KINDS,
  type EvidenceKind,
  type EvidenceMeta,
  type EvidenceRecord,
} from './evidence-model.js';
import { evidenceOverlaySvg, formatDuration, formatMediaTime, formatWallClock } from './evidence-overlay.js';
import type { FrameProvider, ProvidedFrame } from './frame-provider.js';

/** What of a violation the evidence needs; a violations/ `Violation` fits. */
export type EvidenceViolation = Pick<
  Violation,
  'id' | 'type' | 'zoneId' | 'dwellS' | 'confidence' | 'evidence' | 'polygon'
>;

/** What of a source the evidence needs; a violations/ `SourceConfig` fits. */
export interface EvidenceSource {
  id: string;
  name?: string;
  /** IANA zone the burned-in wall-clock time is shown in; UTC when absent. */
  timezone?: string;
  zones?: ReadonlyArray<{ id: string; name?: string; polygon: readonly (readonly [number, number])[] }>;
  /**
   * Size of the frames the violation's boxes were measured on, when the pipeline scaled frames
   * before detection; boxes are scaled from it to the provided frame. Default: the same size.
   */
  analysisSize?: { width: number; height: number };
}

export interface EvidenceServiceOptions {
  /** Seconds of clip before and after the threshold frame; default 5 and 5. */
  clipBeforeS?: number;
  clipAfterS?: number;
  logger?: { warn(message: string): void };
}

export interface EvidenceRenderResult {
  /** Every recorded item of the case, in EVIDENCE_KINDS order. */
  items: EvidenceRecord[];
  /** Kinds this call stored (the others were there already or skipped). */
  created: EvidenceKind[];
  /** Kinds that could not be made from this violation and footage, and why. */
  skipped: Array<{ kind: EvidenceKind; reason: string }>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const FOREIGN_KEY_VIOLATION = '23503';

/** The case's item list shape (cases.evidence, ViolationInput.evidence). */
export function toCaseEvidence(records: readonly EvidenceRecord[]): EvidenceItem[] {
  return records.map(({ kind, key, contentType, sha256, bytes }) => ({
    kind,
    key,
    contentType,
    sha256,
    bytes,
  }));
}

/** Key of a rendered file: the case, the kind and the first 64 bits of the content hash. */
export function evidenceKey(caseId: string, kind: EvidenceKind, sha256: string): string {
  return `cases/${caseId.toLowerCase()}/${kind}-${sha256.slice(0, 16)}.${EVIDENCE_FORMATS[kind].extension}`;
}

function scaleBox(
  box: BoxXYXY,
  from: EvidenceSource['analysisSize'],
  width: number,
  height: number,
): BoxXYXY {
  if (!from || (from.width === width && from.height === height)) return box;
  const sx = width / from.width;
  const sy = height / from.height;
  return [box[0] * sx, box[1] * sy, box[2] * sx, box[3] * sy];
}

type Moment = 'start' | 'threshold' | 'best';

export class EvidenceService {
  private readonly clipBeforeS: number;
  private readonly clipAfterS: number;

  constructor(
    private readonly db: Database,
    private readonly storage: ObjectStorage,
    private readonly opts: EvidenceServiceOptions = {},
  ) {
    this.clipBeforeS = opts.clipBeforeS ?? 5;
    this.clipAfterS = opts.clipAfterS ?? 5;
  }

  private async requireCase(caseId: string): Promise<EvidenceRepository> {
    const repo = new EvidenceRepository(this.db);
    if (!UUID.test(caseId) || !(await repo.caseExists(caseId))) throw new NotFoundError('case', caseId);
    return repo;
  }

  /**
   * Renders whatever evidence kinds the case lacks from this violation's frames and stores them.
   * Missing frames or unreadable footage skip a kind (listed in `skipped`); storage and database
   * failures throw, so a job can retry.
   */
  async renderForViolation(
    caseId: string,
    violation: EvidenceViolation,
    source: EvidenceSource,
    frames: FrameProvider,
  ): Promise<EvidenceRenderResult> {
    const repo = await this.requireCase(caseId);
    const have = new Map((await repo.list(caseId)).map((r) => [r.kind, r]));
    const created: EvidenceKind[] = [];
    const skipped: EvidenceRenderResult['skipped'] = [];
    const cache = new Map<number, Promise<ProvidedFrame>>();
    const frameAt = (ptsS: number): Promise<ProvidedFrame> => {
      let f = cache.get(ptsS);
      if (!f) {
        f = frames.frameAt(ptsS);
        cache.set(ptsS, f);
      }
      return f;
    };
    const { start, threshold, best } = violation.evidence;
    const main: [FrameRef, Moment] | undefined = best
      ? [best, 'best']
      : threshold
        ? [threshold, 'threshold']
        : start
          ? [start, 'start']
          : undefined;

    for (const kind of EVIDENCE_KINDS) {
      if (have.has(kind)) continue;
      let bytes: Buffer | undefined;
      let meta: EvidenceMeta | undefined;
      let reason = 'the violation carries no frame for it';
      try {
        switch (kind) {
          case 'annotated':
            if (main) bytes = await this.annotated(violation, source, main[0], main[1], frameAt);
            break;
          case 'crop':
            if (main) bytes = await this.crop(source, main[0], frameAt);
            if (main && !bytes) reason = 'the box lies outside the frame';
            break;
          case 'frame': {
            const clean = main && (await this.cleanFrame(source, main[0], frameAt));
            bytes = clean?.bytes;
            meta = clean?.meta;
            if (main && !bytes) reason = 'the box lies outside the frame';
            break;
          }
          case 'start_frame':
            if (start) bytes = await this.annotated(violation, source, start, 'start', frameAt);
            break;
          case 'threshold_frame':
            if (threshold) bytes = await this.annotated(violation, source, threshold, 'threshold', frameAt);
            break;
          case 'clip': {
            const at = (threshold ?? main?.[0])?.ptsS;
            if (at !== undefined) {
              const clip = await frames.clip(Math.max(0, at - this.clipBeforeS), at + this.clipAfterS);
              bytes = clip?.data;
              if (!clip) reason = 'no footage around the threshold';
            }
            break;
          }
        }
      } catch (err) {
        if (!(err instanceof MediaError || err instanceof InvalidInputError)) throw err;
        reason = errorMessage(err);
        bytes = undefined;
      }
      if (!bytes) {
        skipped.push({ kind, reason });
        this.opts.logger?.warn(`case ${caseId}: no ${kind} evidence: ${reason}`);
        continue;
      }
      const record = await this.store(repo, caseId, kind, bytes, meta);
      have.set(kind, record);
      created.push(kind);
    }
    const items = EVIDENCE_KINDS.flatMap((k) => {
      const r = have.get(k);
      return r ? [r] : [];
    });
    return { items, created, skipped };
  }

  private async store(
    repo: EvidenceRepository,
    caseId: string,
    kind: EvidenceKind,
    bytes: Buffer,
    meta?: EvidenceMeta,
  ): Promise<EvidenceRecord> {
    const sha256 = sha256Hex(bytes);
    const key = evidenceKey(caseId, kind, sha256);
    const { contentType } = EVIDENCE_FORMATS[kind];
    const stored = await this.storage.put(key, bytes, contentType);
    if (stored.sha256 !== sha256 || stored.bytes !== bytes.length) {
      throw new StorageError(`the store wrote different bytes for '${key}' than were given`);
    }
    let record: EvidenceRecord;
    try {
      record = await repo.insertIfAbsent({
        caseId,
        kind,
        key,
        contentType,
        bytes: bytes.length,
        sha256,
        ...(meta ? { meta } : {}),
      });
    } catch (err) {
      await this.storage.delete(key).catch(() => {});
      if (sqlState(err) === FOREIGN_KEY_VIOLATION) throw new NotFoundError('case', caseId);
      throw err;
    }
    // A concurrent render recorded its own file first: keep that one, drop ours.
    if (record.key !== key) await this.storage.delete(key).catch(() => {});
    return record;
  }

  private caption(
    violation: EvidenceViolation,
    source: EvidenceSource,
    ref: FrameRef,
    frame: ProvidedFrame,
    moment: Moment,
  ): string[] {
    const when =
      ref.wallClockMs !== undefined && Number.isFinite(ref.wallClockMs)
        ? formatWallClock(ref.wallClockMs, source.timezone)
        : `video ${formatMediaTime(frame.ptsS)}`;
    const zone = source.zones?.find((z) => z.id === violation.zoneId);
    const what =
      moment === 'start'
        ? 'dwell starts'
        : moment === 'threshold'
          ? 'threshold reached'
          : `dwell ${formatDuration(violation.dwellS)}`;
    return [
      `${source.name || source.id} · ${when}`,
      [violation.type.replace(/_/g, ' '), zone ? `zone ${zone.name || zone.id}` : undefined, what]
        .filter(Boolean)
        .join(' · '),
    ];
  }

  private async annotated(
    violation: EvidenceViolation,
    source: EvidenceSource,
    ref: FrameRef,
    moment: Moment,
    frameAt: (ptsS: number) => Promise<ProvidedFrame>,
  ): Promise<Buffer> {
    const frame = await frameAt(ref.ptsS);
    const { width, height } = frame.image;
    const zone = source.zones?.find((z) => z.id === violation.zoneId);
    const svg = evidenceOverlaySvg({
      width,
      height,
      box: scaleBox(ref.box, source.analysisSize, width, height),
      label: `${violation.type} ${ref.score.toFixed(2)}`,
      zone: zone && { name: zone.name || zone.id, polygon: zone.polygon },
      outline: violation.polygon?.space === 'image' ? violation.polygon.points : undefined,
      caption: this.caption(violation, source, ref, frame, moment),
    });
    return overlaySvg(frame.image, svg, 'jpeg');
  }

  private async crop(
    source: EvidenceSource,
    ref: FrameRef,
    frameAt: (ptsS: number) => Promise<ProvidedFrame>,
  ): Promise<Buffer | undefined> {
    const frame = await frameAt(ref.ptsS);
    const { width, height } = frame.image;
    const rect = cropRect(scaleBox(ref.box, source.analysisSize, width, height), width, height);
    return rect && encodeJpeg(cropRaw(frame.image, rect), 92);
  }

  /**
   * The whole frame, unmarked, with the object's box in its pixels (clamped into the frame), for
   * training data: the annotated frame has boxes burned in and the crop loses the context.
   */
  private async cleanFrame(
    source: EvidenceSource,
    ref: FrameRef,
    frameAt: (ptsS: number) => Promise<ProvidedFrame>,
  ): Promise<{ bytes: Buffer; meta: EvidenceMeta } | undefined> {
    const frame = await frameAt(ref.ptsS);
    const { width, height } = frame.image;
    const b = scaleBox(ref.box, source.analysisSize, width, height);
    const clamp = (v: number, max: number): number => Math.round(Math.min(max, Math.max(0, v)) * 100) / 100;
    const box: BoxXYXY = [clamp(b[0], width), clamp(b[1], height), clamp(b[2], width), clamp(b[3], height)];
    if (!(box[2] > box[0]) || !(box[3] > box[1])) return undefined;
    return { bytes: await encodeJpeg(frame.image, 92), meta: { width, height, box } };
  }

  /** The case's evidence records, oldest first; NotFoundError for an unknown case. */
  async list(caseId: string): Promise<EvidenceRecord[]> {
    return (await this.requireCase(caseId)).list(caseId);
  }

  /** One record; NotFoundError naming the case or the kind. */
  async find(caseId: string, kind: EvidenceKind): Promise<EvidenceRecord> {
    const repo = await this.requireCase(caseId);
    const record = await repo.find(caseId, kind);
    if (!record) throw new NotFoundError('evidence', `${caseId}/${kind}`);
    return record;
  }

  /** The stored bytes of a record, whole or a byte range. */
  async read(record: EvidenceRecord, range?: ByteRange): Promise<ObjectRead> {
    try {
      return await this.storage.get(record.key, range);
    } catch (err) {
      if (err instanceof GridwatchError && err.code === 'NOT_FOUND') {
        // The row outlived its file (deleted by hand, or a bucket emptied): say so, not 500.
        this.opts.logger?.warn(`evidence file ${record.key} of case ${record.caseId} is missing`);
        throw new NotFoundError('evidence file', `${record.caseId}/${record.kind}`);
      }
      throw err;
    }
  }
}
