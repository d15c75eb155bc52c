/** The text parts of a training-data export: YOLO label lines, class list, decisions CSV. */
import { DETECTION_LABELS, type DetectionLabel } from '../detector/canonical-labels.js';
import type { BoxXYXY } from '../detector/types.js';
import type { Case, ViolationType } from '../cases/case-model.js';

/**
 * The detector class a violation type's object belongs to. Exposed soil is found by the
 * segmenter, not the detector, so its cases carry no detection label.
 */
export const CLASS_OF_TYPE: Readonly<Record<ViolationType, DetectionLabel | null>> = {
  illegal_parking: 'vehicle',
  street_vendor: 'vendor_stall',
  bin_overflow: 'bin_overflow',
  garbage_pile: 'garbage_pile',
  exposed_soil: null,
};

export function classIndex(label: DetectionLabel): number {
  return DETECTION_LABELS.indexOf(label);
}

/** `class cx cy w h`, normalised to the image and clamped into it; undefined for an empty box. */
export function yoloLine(
  label: DetectionLabel,
  box: BoxXYXY,
  width: number,
  height: number,
): string | undefined {
  const x1 = Math.min(width, Math.max(0, box[0]));
  const y1 = Math.min(height, Math.max(0, box[1]));
  const x2 = Math.min(width, Math.max(0, box[2]));
  const y2 = Math.min(height, Math.max(0, box[3]));
  if (!(x2 > x1) || !(y2 > y1) || !(width > 0) || !(height > 0)) return undefined;
  const f = (v: number): string => v.toFixed(6);
  return `${classIndex(label)} ${f((x1 + x2) / 2 / width)} ${f((y1 + y2) / 2 / height)} ${f((x2 - x1) / width)} ${f((y2 - y1) / height)}`;
}

/** Ultralytics-style dataset description. */
export function dataYaml(): string {
  const names = DETECTION_LABELS.map((n, i) => `  ${i}: ${n}`).join('\n');
  return `# Gridwatch reviewed cases. Images with an empty label file are background (false detections).\npath: .\ntrain: images\nval: images\nnames:\n${names}\n`;
}

/** Darknet-style class list: one name a line, the line number is the class index. */
export function classesTxt(): string {
  return `${DETECTION_LABELS.join('\n')}\n`;
}

/**
 * One CSV field: quoted when it holds a separator, quote or line break; a leading = + - @ or tab
 * is defused with an apostrophe, because reviewers' text may be opened in a spreadsheet.
 */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const DECISION_COLUMNS = [
  'case_id',
  'type',
  'status',
  'reviewer',
  'reason',
  'reason_text',
  'decided_at',
  'class',
  'confidence',
  'source_id',
  'category_code',
  'model',
  'image',
  'label',
] as const;

export function decisionRow(c: Case, files: { image: string | null; label: string | null }): string {
  const cls = CLASS_OF_TYPE[c.type];
  const fields: Array<string | number | null> = [
    c.id,
    c.type,
    c.status,
    c.decidedBy,
    c.rejection?.reason ?? null,
    c.rejection?.text ?? null,
    c.decidedAt,
    cls,
    c.confidence,
    c.sourceId,
    c.category.code,
    c.model ? `${c.model.name}@${c.model.version}` : null,
    files.image,
    files.label,
  ];
  return fields.map(csvField).join(',');
}
