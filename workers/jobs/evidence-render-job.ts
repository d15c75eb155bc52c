/**
 * evidence.render: the annotated frames, crop and clip of one case, cut from the flight video at
 * the frames the violation points to (EvidenceService, idempotent per case and kind).
 */
import type { EvidenceViolation } from '../../evidence/evidence-service.js';
import { VideoFileFrameProvider } from '../../evidence/frame-provider.js';
import type { JobHandler } from '../job-registry.js';
import { classify, type JobDeps } from './job-deps.js';
import { flightPlan } from './segment-analyse-job.js';

export function evidenceRenderJob(deps: JobDeps): JobHandler<'evidence.render'> {
  return {
    async run({ flightId, caseId, violation }) {
      const plan = await flightPlan(deps, flightId);
      try {
        const result = await deps.evidence.renderForViolation(
          caseId,
          violation as unknown as EvidenceViolation,
          // Boxes were measured on frames decoded at the plan's size; evidence uses the full frames.
          { ...plan.source, analysisSize: { width: plan.frameWidth, height: plan.frameHeight } },
          new VideoFileFrameProvider(plan.video),
        );
        for (const s of result.skipped)
          deps.logger.warn(`case ${caseId}: no ${s.kind} evidence: ${s.reason}`);
        return { created: result.created, skipped: result.skipped.length };
      } catch (err) {
        throw classify(err, `evidence for case ${caseId}`);
      }
    },
  };
}
