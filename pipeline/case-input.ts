/** The case store's view of a pipeline event (cases/violation-input.ts checks it on arrival). */
import type { EvidenceItem } from '../cases/case-model.js';
import type { ViolationInput } from '../cases/violation-input.js';
import type { SourceConfig } from '../violations/config/source-config.js';
import type { PipelineEvent } from './pipeline-types.js';

/**
 * The newest event of each violation in a batch, in first-seen order: it carries everything the
 * older ones did, so one case upsert per violation stores the whole batch.
 */
export function newestPerViolation(events: readonly PipelineEvent[]): PipelineEvent[] {
  const newest = new Map<string, PipelineEvent>();
  for (const e of events) newest.set(e.violation.id, e);
  return [...newest.values()];
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

/**
 * `location`: the violation's ground position when the engine knows one (drone pose, calibrated
 * camera), else the camera's own position.
 */
export function toCaseInput(
  event: PipelineEvent,
  source: Pick<SourceConfig, 'position'>,
  evidence: readonly EvidenceItem[] = [],
): ViolationInput {
  const v = event.violation;
  const where = v.ground ?? source.position;
  const ruleParams: Record<string, unknown> = { ...v.ruleParams };
  if (v.areaM2 !== undefined) ruleParams.measuredAreaM2 = Math.round(v.areaM2 * 10) / 10;
  const input: ViolationInput = {
    violationId: v.id,
    type: v.type,
    confidence: clamp01(v.confidence),
    sourceId: v.sourceId,
    zoneId: v.zoneId,
    location: where ? { lat: where.lat, lon: where.lon } : null,
    firstSeen: event.firstSeenAt,
    lastSeen: event.lastSeenAt < event.firstSeenAt ? event.firstSeenAt : event.lastSeenAt,
    dwellSeconds: Math.max(0, Number.isFinite(v.dwellS) ? v.dwellS : 0),
    model: event.model,
    ruleParams,
  };
  if (evidence.length) input.evidence = [...evidence];
  return input;
}
