import { randomUUID } from 'node:crypto';
import type { ViolationInput } from '../../cases/violation-input.js';

/**
 * A maker of violation inputs for one test file: its fixed fields plus a fresh violation id per
 * call, so each test's cases are new to the store unless it passes an id on purpose.
 */
export function violationMaker(
  defaults: Omit<ViolationInput, 'violationId'>,
): (over?: Partial<ViolationInput>) => ViolationInput {
  return (over = {}) => ({ violationId: `v-${randomUUID()}`, ...defaults, ...over });
}
