/** Case records for the page's unit tests. */
import type { Case } from '../../cases/case-model.js';

let n = 0;

export function testCase(over: Partial<Case> = {}): Case {
  n++;
  const id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  return {
    id,
    violationId: `v-${n}`,
    type: 'illegal_parking',
    category: { code: '09009', name: '机动车乱停放', fullCode: null },
    status: 'candidate',
    confidence: 0.8,
    sourceId: 'cam-1',
    zoneId: 'bus-stop',
    location: { lat: 30.27, lon: 120.15 },
    address: null,
    gridCell: null,
    firstSeen: '2026-03-01T08:00:00.000Z',
    lastSeen: '2026-03-01T08:04:00.000Z',
    dwellSeconds: 240,
    model: null,
    ruleParams: {},
    evidence: [],
    description: null,
    rejection: null,
    closure: null,
    decidedAt: null,
    decidedBy: null,
    version: 1,
    createdAt: new Date(Date.UTC(2026, 2, 1, 8, 0, n)).toISOString(),
    updatedAt: '2026-03-01T08:04:00.000Z',
    ...over,
  };
}
