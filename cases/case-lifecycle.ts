/**
 * Which status may follow which. A candidate is decided by a person (confirmed or rejected) or
 * times out (expired); only confirmed cases go on to dispatch and closure. Terminal states stay.
 */
import type { CaseStatus } from './case-model.js';

const NEXT: Readonly<Record<CaseStatus, readonly CaseStatus[]>> = {
  candidate: ['confirmed', 'rejected', 'expired'],
  confirmed: ['dispatched'],
  dispatched: ['closed'],
  rejected: [],
  closed: [],
  expired: [],
};

export function canTransition(from: CaseStatus, to: CaseStatus): boolean {
  return NEXT[from].includes(to);
}

export function nextStatuses(from: CaseStatus): readonly CaseStatus[] {
  return NEXT[from];
}

/** Statuses that count as a person's "yes" when measuring precision. */
export const CONFIRMED_LIKE: readonly CaseStatus[] = ['confirmed', 'dispatched', 'closed'];
