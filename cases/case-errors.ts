/**
 * Errors the case and source services raise. The API maps them by `code`: NOT_FOUND → 404,
 * VERSION_CONFLICT, INVALID_TRANSITION and ALREADY_EXISTS → 409, INVALID_CURSOR → 400.
 */
import { GridwatchError } from '../common/errors.js';
import type { CaseStatus } from './case-model.js';

/** A GridwatchError with machine-readable facts a client can act on (e.g. the current version). */
export class DetailedError extends GridwatchError {
  constructor(
    message: string,
    code: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message, code);
  }
}

export class NotFoundError extends DetailedError {
  constructor(what: string, id: string) {
    super(`${what} '${id.length > 80 ? `${id.slice(0, 80)}…` : id}' not found`, 'NOT_FOUND');
  }
}

export class AlreadyExistsError extends DetailedError {
  constructor(what: string, id: string) {
    super(`${what} '${id}' already exists`, 'ALREADY_EXISTS');
  }
}

/** Someone else changed the record since the caller read it; re-read and decide again. */
export class VersionConflictError extends DetailedError {
  constructor(what: string, id: string, expected: number, current: { version: number; status?: string }) {
    super(
      `${what} '${id}' is at version ${current.version}, not ${expected}: it was changed by someone else`,
      'VERSION_CONFLICT',
      { currentVersion: current.version, ...(current.status ? { currentStatus: current.status } : {}) },
    );
  }
}

/** The lifecycle does not allow this step from the case's current status. */
export class InvalidTransitionError extends DetailedError {
  constructor(id: string, from: CaseStatus, to: CaseStatus, allowed: readonly CaseStatus[]) {
    super(`case '${id}' is ${from} and cannot become ${to}`, 'INVALID_TRANSITION', {
      currentStatus: from,
      allowed,
    });
  }
}

export class InvalidCursorError extends DetailedError {
  constructor() {
    super('the cursor is not one this API issued', 'INVALID_CURSOR');
  }
}
