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

/** The fields most API tests leave alone: a car parked four minutes at a bus stop in Hangzhou. */
export function parkedAtBusStop(sourceId: string): Omit<ViolationInput, 'violationId'> {
  return {
    type: 'illegal_parking',
    confidence: 0.8,
    sourceId,
    zoneId: 'bus-stop',
    location: { lat: 30.27, lon: 120.15 },
    firstSeen: '2026-03-01T08:00:00Z',
    lastSeen: '2026-03-01T08:04:00Z',
    dwellSeconds: 240,
  };
}
