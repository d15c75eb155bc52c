/**
 * Reviewers' decisions as a training set, streamed as a tar archive:
 *
 *   gridwatch-dataset/
 *     decisions.csv              every decided case: who decided what, when and why
 *     data.yaml                  class names in the detector's order (Ultralytics layout)
 *     classes.txt                the same class names, one a line (line number = class index)
 *     images/<case>.jpg          whole frames whose object boxes are known, with
 *     labels/<case>.txt          YOLO lines (empty for a false detection: a background image)
 *     crops/<confirmed|rejected>/<class>/<case>.jpg
 *                                clean crops of the object where no frame with boxes exists
 *     README.txt                 what is in it, with counts
 *
 * Images come from a DatasetSampleSource; the default (EvidenceSamples) reads the evidence's clean
 * whole frame with its box, else its clean crop.
 */
import type { Readable } from 'node:stream';
import { NotFoundError } from '../cases/case-errors.js';
import type { Case, CaseStatus } from '../cases/case-model.js';
import type { BoxXYXY } from '../detector/types.js';
import type { EvidenceRecord } from '../evidence/evidence-model.js';
import { ExportRepository } from '../repositories/database-export.js';
import type { Database } from '../repositories/database-repository.js';
import {
  CLASS_OF_TYPE,
  classesTxt,
  dataYaml,
  DECISION_COLUMNS,
  decisionRow,
  yoloLine,
} from './dataset-format.js';
import { tarStream, type TarEntry } from './tar-writer.js';

export const DECIDED_STATUSES = [
  'confirmed',
  'rejected',
  'dispatched',
  'closed',
] as const satisfies readonly CaseStatus[];
export type DecidedStatus = (typeof DECIDED_STATUSES)[number];

const ROOT = 'gridwatch-dataset';
const PAGE = 200;

export interface DatasetSample {
  body: Buffer | Readable;
  bytes: number;
  /** File extension without the dot, e.g. jpg. */
  extension: string;
  /** Set when the image is a whole frame and the boxes of the case's object in it are known. */
  frame?: { width: number; height: number; boxes: BoxXYXY[] };
}

export interface DatasetSampleSource {
  /** The case's clean image, or undefined when it has none. */
  sampleFor(c: Case): Promise<DatasetSample | undefined>;
}

/** What of the evidence service the export reads; `EvidenceService` fits. */
export interface EvidenceReader {
  find(caseId: string, kind: 'frame' | 'crop'): Promise<EvidenceRecord>;
  read(record: EvidenceRecord): Promise<{ body: Readable; start: number; end: number }>;
}

/**
 * Images from evidence storage: the clean whole frame with the object's box (evidence kind
 * `frame`, box in its metadata) when the case has one and its type has a detector class, so the
 * export writes images/ + labels/; otherwise the clean crop, which goes to crops/ as a
 * classification sample (cases rendered before `frame` existed, exposed soil).
 */
export class EvidenceSamples implements DatasetSampleSource {
  constructor(private readonly evidence: EvidenceReader) {}

  async sampleFor(c: Case): Promise<DatasetSample | undefined> {
    if (CLASS_OF_TYPE[c.type]) {
      const record = await this.record(c.id, 'frame');
      const meta = record?.meta;
      const frame = record && meta && (await this.sample(record));
      if (frame) return { ...frame, frame: { width: meta.width, height: meta.height, boxes: [meta.box] } };
    }
    const crop = await this.record(c.id, 'crop');
    return crop && this.sample(crop);
  }

  private async record(caseId: string, kind: 'frame' | 'crop'): Promise<EvidenceRecord | undefined> {
    try {
      return await this.evidence.find(caseId, kind);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  private async sample(record: EvidenceRecord): Promise<DatasetSample | undefined> {
    try {
      const read = await this.evidence.read(record);
      return { body: read.body, bytes: read.end - read.start + 1, extension: 'jpg' };
    } catch (err) {
      // The row outlived its file: the case still goes into the CSV, without this image.
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }
}

export interface DatasetQuery {
  decidedFrom?: Date | undefined;
  decidedTo?: Date | undefined;
  statuses?: readonly DecidedStatus[] | undefined;
}

interface Counts {
  cases: number;
  labelled: number;
  background: number;
  crops: number;
  withoutImage: number;
}

function isRejected(c: Case): boolean {
  return c.status === 'rejected';
}

export class DatasetExportService {
  constructor(
    private readonly db: Database,
    private readonly samples?: DatasetSampleSource | undefined,
  ) {}

  /** The archive's bytes; cases are read a page at a time while it streams. */
  archive(query: DatasetQuery, now = new Date()): AsyncGenerator<Buffer> {
    return tarStream(this.entries(query, now));
  }

  async *entries(query: DatasetQuery, now = new Date()): AsyncGenerator<TarEntry> {
    const repo = new ExportRepository(this.db);
    const filters = {
      statuses: query.statuses?.length ? query.statuses : DECIDED_STATUSES,
      decidedFrom: query.decidedFrom,
      decidedTo: query.decidedTo,
    };
    const rows: string[] = [DECISION_COLUMNS.join(',')];
    const counts: Counts = { cases: 0, labelled: 0, background: 0, crops: 0, withoutImage: 0 };
    let after = 0;
    for (;;) {
      const page = await repo.decidedPage(filters, after, PAGE);
      for (const { value: c } of page) {
        counts.cases++;
        const mtime = Date.parse(c.decidedAt ?? c.updatedAt) / 1000;
        const sample = await this.samples?.sampleFor(c);
        const files = sample ? this.place(c, sample) : undefined;
        if (!sample || !files) {
          counts.withoutImage++;
          rows.push(decisionRow(c, { image: null, label: null }));
          continue;
        }
        yield { name: `${ROOT}/${files.image}`, body: sample.body, size: sample.bytes, mtime };
        if (files.label !== null) {
          yield { name: `${ROOT}/${files.label}`, body: Buffer.from(files.labelText), mtime };
          if (files.labelText === '') counts.background++;
          else counts.labelled++;
        } else {
          counts.crops++;
        }
        rows.push(decisionRow(c, { image: files.image, label: files.label }));
      }
      const last = page.at(-1);
      if (!last || page.length < PAGE) break;
      after = last.seq;
    }
    const mtime = now.getTime() / 1000;
    yield { name: `${ROOT}/decisions.csv`, body: Buffer.from(`${rows.join('\r\n')}\r\n`), mtime };
    yield { name: `${ROOT}/data.yaml`, body: Buffer.from(dataYaml()), mtime };
    yield { name: `${ROOT}/classes.txt`, body: Buffer.from(classesTxt()), mtime };
    yield { name: `${ROOT}/README.txt`, body: Buffer.from(readme(query, counts, now)), mtime };
  }

  /** Where a case's image goes, and its label text when the image is a frame with known boxes. */
  private place(
    c: Case,
    sample: DatasetSample,
  ): { image: string; label: string | null; labelText: string } | undefined {
    const ext = /^[a-z0-9]{1,5}$/.test(sample.extension) ? sample.extension : 'bin';
    const cls = CLASS_OF_TYPE[c.type];
    if (sample.frame && cls) {
      // A false detection has no such object in the frame: an empty label makes it background.
      // Other rejections (not a violation, duplicate) still show a real object, so it is labelled.
      const background = isRejected(c) && c.rejection?.reason === 'false_detection';
      const { width, height, boxes } = sample.frame;
      const lines = background
        ? []
        : boxes.flatMap((b) => {
            const line = yoloLine(cls, b, width, height);
            return line ? [line] : [];
          });
      if (background || lines.length > 0) {
        return {
          image: `images/${c.id}.${ext}`,
          label: `labels/${c.id}.txt`,
          labelText: lines.length ? `${lines.join('\n')}\n` : '',
        };
      }
    }
    const group = isRejected(c) ? 'rejected' : 'confirmed';
    return { image: `crops/${group}/${cls ?? c.type}/${c.id}.${ext}`, label: null, labelText: '' };
  }
}

function readme(query: DatasetQuery, counts: Counts, now: Date): string {
  const range = `${query.decidedFrom?.toISOString() ?? 'the beginning'} to ${query.decidedTo?.toISOString() ?? now.toISOString()}`;
  return [
    'Gridwatch training data from reviewed cases',
    '',
    `Exported ${now.toISOString()}; cases decided from ${range}` +
      (query.statuses?.length ? `; statuses ${query.statuses.join(', ')}` : '') +
      '.',
    '',
    `cases: ${counts.cases}`,
    `images with YOLO labels: ${counts.labelled}`,
    `background images (false detections, empty label): ${counts.background}`,
    `crops without boxes (crops/<confirmed|rejected>/<class>/): ${counts.crops}`,
    `cases without an image (CSV only): ${counts.withoutImage}`,
    '',
    'decisions.csv lists every case. Label class indices follow data.yaml and classes.txt, the',
    'detector order. Label lines are "<class> <cx> <cy> <w> <h>", normalised to the image.',
    'Rejections for "not_a_violation" or "duplicate" still show a real object and are labelled;',
    'only "false_detection" images are background.',
    '',
  ].join('\n');
}
