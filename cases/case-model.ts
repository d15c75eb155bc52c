/** The case vocabulary shared by the store, the service and the API. */

export const VIOLATION_TYPES = [
  'illegal_parking',
  'street_vendor',
  'bin_overflow',
  'exposed_soil',
  'garbage_pile',
] as const;
export type ViolationType = (typeof VIOLATION_TYPES)[number];

export const CASE_STATUSES = [
  'candidate',
  'confirmed',
  'rejected',
  'dispatched',
  'closed',
  'expired',
] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export const REJECT_REASONS = ['false_detection', 'not_a_violation', 'duplicate', 'other'] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** How a dispatched case ended, in digital city-management terms (正常/超期/错误/特殊结案). */
export const CLOSURES = ['normal', 'overdue', 'erroneous', 'special'] as const;
export type Closure = (typeof CLOSURES)[number];

export interface EvidenceItem {
  kind: string;
  key: string;
  contentType: string;
  sha256: string;
  bytes: number;
}

export interface Category {
  code: string;
  name: string;
  /** Region prefix + code, when the code is numeric and a region is configured. */
  fullCode: string | null;
}

export interface Case {
  id: string;
  violationId: string;
  type: ViolationType;
  category: Category;
  status: CaseStatus;
  confidence: number;
  sourceId: string;
  zoneId: string | null;
  location: { lat: number; lon: number } | null;
  address: string | null;
  gridCell: string | null;
  firstSeen: string;
  lastSeen: string;
  dwellSeconds: number;
  model: { name: string; version: string } | null;
  ruleParams: Record<string, unknown>;
  evidence: EvidenceItem[];
  description: string | null;
  rejection: { reason: RejectReason; text: string | null } | null;
  closure: Closure | null;
  decidedAt: string | null;
  decidedBy: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export type CaseAction =
  | 'created'
  | 'confirmed'
  | 'rejected'
  | 'dispatched'
  | 'closed'
  | 'expired'
  /** The receiving department reported the case handled; the status stays dispatched. */
  | 'handled';

export interface CaseEvent {
  id: number;
  caseId: string;
  at: string;
  actor: string;
  action: CaseAction;
  fromStatus: CaseStatus | null;
  toStatus: CaseStatus | null;
  reason: string | null;
  details: Record<string, unknown>;
}

export interface CaseFilters {
  statuses?: CaseStatus[] | undefined;
  types?: ViolationType[] | undefined;
  sourceId?: string | undefined;
  zoneId?: string | undefined;
  /** Inclusive lower and exclusive upper bound on first_seen. */
  firstSeenFrom?: Date | undefined;
  firstSeenTo?: Date | undefined;
  bbox?: BoundingBox | undefined;
}

export interface BoundingBox {
  minLon: number;
  minLat: number;
  maxLon: number;
  maxLat: number;
}

export interface Page<T> {
  items: T[];
  /** Pass back to get the next page; null on the last page. */
  nextCursor: string | null;
}
