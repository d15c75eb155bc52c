/** What evidence a case can have and how each kind is stored and served. */
import type { BoxXYXY } from '../detector/types.js';

export const EVIDENCE_KINDS = [
  'annotated',
  'crop',
  'frame',
  'start_frame',
  'threshold_frame',
  'clip',
] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

export const EVIDENCE_FORMATS: Readonly<Record<EvidenceKind, { contentType: string; extension: string }>> = {
  /** The best frame with box, zone outline, source name and time burned in. */
  annotated: { contentType: 'image/jpeg', extension: 'jpg' },
  /** The object alone, unmarked, with a margin of context. */
  crop: { contentType: 'image/jpeg', extension: 'jpg' },
  /** The same whole frame, unmarked; its metadata holds the object's box (training export). */
  frame: { contentType: 'image/jpeg', extension: 'jpg' },
  /** When the dwell clock started (annotated). */
  start_frame: { contentType: 'image/jpeg', extension: 'jpg' },
  /** When the rule's threshold was crossed (annotated). */
  threshold_frame: { contentType: 'image/jpeg', extension: 'jpg' },
  /** A few seconds of footage around the threshold. */
  clip: { contentType: 'video/mp4', extension: 'mp4' },
};

export function isEvidenceKind(value: string): value is EvidenceKind {
  return (EVIDENCE_KINDS as readonly string[]).includes(value);
}

/** One stored evidence file of a case, as recorded in case_evidence. */
export interface EvidenceRecord {
  caseId: string;
  kind: EvidenceKind;
  /** Object-store key. */
  key: string;
  contentType: string;
  bytes: number;
  /** Hex SHA-256 of the stored bytes (also the HTTP ETag). */
  sha256: string;
  createdAt: string;
  /** Set for `frame`: the stored image's size and the object's box in its pixels. */
  meta?: EvidenceMeta;
}

/** Where the case's object is in a stored whole frame (pixels of that image, x1 y1 x2 y2). */
export interface EvidenceMeta {
  width: number;
  height: number;
  box: BoxXYXY;
}
