/**
 * The embedded pipeline behind `gridwatch run`: plan → analyse segments → aggregate → cases, all
 * in this process. Workers run the same three stage functions as separate jobs; this file is
 * only the in-process scheduling between them.
 */
import type { EvidenceItem } from '../cases/case-model.js';
import type { UpsertResult } from '../cases/case-service.js';
import type { EngineDiagnostics } from '../violations/detection-intake.js';
import type { EngineOptions } from '../violations/violation-engine.js';
import type { Violation } from '../violations/violation-types.js';
import {
  aggregateObservations,
  type AggregateResult,
  type AggregatorState,
} from './aggregate-observations.js';
import { analyseSegment, type AnalyseOptions, type AnalyseSegmentDeps } from './analyse-segment.js';
import { newestPerViolation, toCaseInput } from './case-input.js';
import { planVideo, type PlanVideoDeps, type PlanVideoInput } from './plan-video.js';
import {
  silentPipelineLogger,
  type PipelineEvent,
  type SegmentAnalysis,
  type SegmentStats,
  type VideoPlan,
} from './pipeline-types.js';

export interface RunVideoInput extends PlanVideoInput {
  analyse?: AnalyseOptions;
  engine?: EngineOptions;
  /** Segments decoded and analysed at once (default 1: one model session on a small machine). */
  concurrency?: number;
}

/** The part of CaseService the pipeline uses. */
export interface CaseSink {
  upsertFromViolation(input: unknown): Promise<UpsertResult>;
}

/**
 * Evidence hook: called with the newest event of each violation after every aggregated segment,
 * before its case is stored; the items it returns are stored on the case. The event's
 * `evidenceFrames` say which frames (pts, box) to cut from `plan.video`.
 */
export type EvidenceHook = (
  event: PipelineEvent,
  plan: VideoPlan,
) => Promise<readonly EvidenceItem[] | void> | readonly EvidenceItem[] | void;

export interface RunVideoDeps extends AnalyseSegmentDeps, Omit<PlanVideoDeps, 'logger' | 'onProgress'> {
  /** Where cases go; omitted: nothing is stored. */
  cases?: CaseSink;
  /** Every event as it is produced, in order. */
  onEvent?: (event: PipelineEvent) => void | Promise<void>;
  onViolation?: EvidenceHook;
}

export interface RunVideoResult {
  plan: VideoPlan;
  events: PipelineEvent[];
  /** Final state of each violation seen. */
  violations: Violation[];
  segments: { index: number; stats: SegmentStats; warnings: string[] }[];
  diagnostics: EngineDiagnostics | null;
  cases: { created: number; updated: number; unchanged: number };
  /** To continue with the next file of the same source (e.g. the next flight). */
  state: AggregatorState | null;
}

/** Runs `task(i)` for i in [0, n) with at most `limit` at once; results keep their index. */
function pool<T>(
  n: number,
  limit: number,
  task: (i: number) => Promise<T>,
  signal: AbortSignal,
): Promise<T>[] {
  const deferred = Array.from({ length: n }, () => {
    let resolve!: (v: T) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
    // Failures are awaited in order by the caller; this stops an unawaited one from crashing.
    promise.catch(() => {});
    return { promise, resolve, reject };
  });
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      if (signal.aborted) {
        // Never started: settle it, or whoever awaits it in order would wait for ever.
        deferred[i]!.reject(signal.reason ?? new Error('aborted'));
        continue;
      }
      try {
        deferred[i]!.resolve(await task(i));
      } catch (err) {
        deferred[i]!.reject(err);
      }
    }
  };
  for (let k = 0; k < Math.min(limit, n); k++) void worker();
  return deferred.map((d) => d.promise);
}

export async function runVideoPipeline(input: RunVideoInput, deps: RunVideoDeps): Promise<RunVideoResult> {
  const logger = deps.logger ?? silentPipelineLogger;
  const concurrency = input.concurrency ?? 1;
  if (!(Number.isInteger(concurrency) && concurrency >= 1)) {
    throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  }
  const plan = await planVideo(input, { ...deps, logger, onProgress: deps.onProgress });
  const source = plan.source;
  const controller = new AbortController();
  const signal = deps.signal ? AbortSignal.any([deps.signal, controller.signal]) : controller.signal;
  const analyses = pool(
    plan.segments.length,
    concurrency,
    (i) =>
      analyseSegment(
        { plan, segment: plan.segments[i]!, ...(input.analyse ? { options: input.analyse } : {}) },
        { ...deps, logger, signal },
      ),
    signal,
  );

  const result: RunVideoResult = {
    plan,
    events: [],
    violations: [],
    segments: [],
    diagnostics: null,
    cases: { created: 0, updated: 0, unchanged: 0 },
    state: null,
  };
  const finalState = new Map<string, Violation>();
  let state: AggregatorState | undefined;
  try {
    for (let i = 0; i < analyses.length; i++) {
      const analysis: SegmentAnalysis = await analyses[i]!;
      result.segments.push({
        index: analysis.segment.index,
        stats: analysis.stats,
        warnings: analysis.warnings,
      });
      const aggregated: AggregateResult = await aggregateObservations(
        {
          source,
          analyses: [analysis],
          ...(state ? { state } : {}),
          endOfStream: i === analyses.length - 1,
          ...(input.engine ? { engine: input.engine } : {}),
          video: plan.video,
          models: analysis.models,
        },
        { ...(deps.onEvent ? { onEvent: deps.onEvent } : {}), logger, onProgress: deps.onProgress },
      );
      state = aggregated.state;
      result.events.push(...aggregated.events);
      result.diagnostics = aggregated.diagnostics;
      for (const v of aggregated.violations) finalState.set(v.id, v);
      await storeCases(aggregated.events, plan, deps, result);
    }
  } catch (err) {
    controller.abort(err);
    throw err;
  }
  result.violations = [...finalState.values()];
  result.state = state ?? null;
  return result;
}

/** One upsert per violation per batch: its newest event carries everything the older ones did. */
async function storeCases(
  events: readonly PipelineEvent[],
  plan: VideoPlan,
  deps: RunVideoDeps,
  result: RunVideoResult,
): Promise<void> {
  if (!deps.cases && !deps.onViolation) return;
  const newest = newestPerViolation(events);
  let done = 0;
  for (const event of newest) {
    const evidence = (await deps.onViolation?.(event, plan)) ?? [];
    if (deps.cases) {
      const r = await deps.cases.upsertFromViolation(toCaseInput(event, plan.source, evidence));
      if (r.created) result.cases.created++;
      else if (r.updated) result.cases.updated++;
      else result.cases.unchanged++;
    }
    deps.onProgress?.({ stage: 'store', done: ++done, total: newest.length });
  }
}
