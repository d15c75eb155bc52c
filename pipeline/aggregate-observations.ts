/**
 * Stage 3: feed observations, in timestamp order, through one source's ViolationEngine. This is
 * cheap and strictly sequential, which is why analysis is split into segments and only this
 * stage sees them all: segments analysed in parallel are merged here. A returned `state` lets the
 * next call (the next segment, another worker, the next flight) continue where this one stopped.
 */
import { InvalidInputError } from '../common/errors.js';
import type { EngineDiagnostics } from '../violations/detection-intake.js';
import type { SourceConfig } from '../violations/config/source-config.js';
import {
  ViolationEngine,
  type EngineOptions,
  type EngineSnapshot,
  type FrameInput,
} from '../violations/violation-engine.js';
import type { FrameRef, Violation, ViolationEvent } from '../violations/violation-types.js';
import { EngineTimeline, type TimelineState } from './engine-timeline.js';
import {
  silentPipelineLogger,
  type EvidenceFrameRequest,
  type EvidenceRole,
  type FrameObservation,
  type ModelRef,
  type PipelineEvent,
  type PipelineLogger,
  type ProgressCallback,
  type SegmentAnalysis,
  type StageModels,
} from './pipeline-types.js';

/** Same default as the engine's own clock: the two must agree on what a discontinuity is. */
const DEFAULT_MAX_GAP_S = 60;

export interface AggregatorState {
  version: 1;
  sourceId: string;
  engine: EngineSnapshot;
  timeline: TimelineState;
  /** Size of the frames the boxes refer to, for evidence requests. */
  frameWidth: number;
  frameHeight: number;
  lastPtsS: number | null;
}

export interface AggregateInput {
  source: SourceConfig;
  /** Segment analyses (any order) or bare observations; they are merged and sorted by pts. */
  analyses?: readonly SegmentAnalysis[];
  observations?: readonly FrameObservation[];
  /** From the previous call for this source; omitted: a fresh engine. */
  state?: AggregatorState;
  /** Close open violations after the last frame (default true). False: more frames will follow. */
  endOfStream?: boolean;
  engine?: EngineOptions;
  /** The video the frames came from, named in evidence requests; default the first analysis's. */
  video?: string;
  /** Models behind the detections and the soil maps, recorded on events; default the first analysis's. */
  models?: StageModels;
}

export interface AggregateResult {
  events: PipelineEvent[];
  /** Latest state of every violation an event was emitted for, by id. */
  violations: Violation[];
  state: AggregatorState;
  diagnostics: EngineDiagnostics;
  frames: number;
}

export interface AggregateDeps {
  /** Called for every event as it happens, in order (e.g. to print it or store a case). */
  onEvent?: (event: PipelineEvent) => void | Promise<void>;
  logger?: PipelineLogger;
  onProgress?: ProgressCallback;
}

function mergeObservations(input: AggregateInput): FrameObservation[] {
  const all: FrameObservation[] = [...(input.observations ?? [])];
  for (const a of input.analyses ?? []) {
    if (a.sourceId !== input.source.id) {
      throw new InvalidInputError(
        `segment ${a.segment.index} was analysed for source '${a.sourceId}', not '${input.source.id}'`,
      );
    }
    all.push(...a.observations);
  }
  // Stable: frames with one pts (never from one video) keep their given order.
  return all
    .map((o, i) => ({ o, i }))
    .sort((a, b) => a.o.ptsS - b.o.ptsS || a.i - b.i)
    .map((x) => x.o);
}

function toFrameInput(o: FrameObservation): FrameInput {
  const frame: FrameInput = {
    ptsS: o.ptsS,
    wallClockMs: o.wallClockMs,
    frameIndex: o.frameIndex,
    width: o.width,
    height: o.height,
    detections: o.detections,
    appearance: o.appearance,
  };
  if (o.soil) frame.soilRegions = o.soil.regions;
  if (o.pose) frame.pose = o.pose;
  return frame;
}

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : new Date(0).toISOString();
}

export function evidenceRequests(
  v: Violation,
  video: string | null,
  frameWidth: number,
  frameHeight: number,
): EvidenceFrameRequest[] {
  const out: EvidenceFrameRequest[] = [];
  const add = (role: EvidenceRole, ref: FrameRef | undefined): void => {
    if (!ref) return;
    const r: EvidenceFrameRequest = {
      role,
      video,
      ptsS: ref.ptsS,
      box: [...ref.box],
      frameWidth,
      frameHeight,
    };
    if (ref.frameIndex !== undefined) r.frameIndex = ref.frameIndex;
    if (ref.wallClockMs !== undefined) r.wallClockMs = ref.wallClockMs;
    out.push(r);
  };
  add('start', v.evidence.start);
  add('threshold', v.evidence.threshold);
  add('best', v.evidence.best);
  return out;
}

/** The detector's per-label start scores, unless the caller set the tracker's own. */
function withDetectorCalibration(
  engine: EngineOptions | undefined,
  models: StageModels | undefined,
): EngineOptions | undefined {
  const startScores = models?.trackStartScores;
  if (!startScores || engine?.tracker?.startScores) return engine;
  return { ...engine, tracker: { ...engine?.tracker, startScores } };
}

export async function aggregateObservations(
  input: AggregateInput,
  deps: AggregateDeps = {},
): Promise<AggregateResult> {
  const logger = deps.logger ?? silentPipelineLogger;
  const source = input.source;
  const maxGap = input.engine?.maxGapSeconds ?? DEFAULT_MAX_GAP_S;
  const models = input.models ?? input.analyses?.[0]?.models;
  const engine = new ViolationEngine(source, withDetectorCalibration(input.engine, models));
  const prior = input.state;
  if (prior) {
    if (prior.version !== 1 || prior.sourceId !== source.id) {
      throw new InvalidInputError(`aggregator state is not a version-1 state of source '${source.id}'`);
    }
    engine.restore(prior.engine);
  }
  const timeline = new EngineTimeline(maxGap, prior?.timeline);
  const frames = mergeObservations(input);
  let frameWidth = prior?.frameWidth ?? 0;
  let frameHeight = prior?.frameHeight ?? 0;
  let lastPtsS = prior?.lastPtsS ?? null;
  const video = input.video ?? input.analyses?.[0]?.video ?? null;
  const events: PipelineEvent[] = [];
  const latest = new Map<string, Violation>();

  const modelFor = (v: Violation): ModelRef | null =>
    (v.type === 'exposed_soil' ? models?.segmenter : models?.detector) ?? null;
  const emit = async (raw: readonly ViolationEvent[]): Promise<void> => {
    for (const e of raw) {
      const v = e.violation;
      const event: PipelineEvent = {
        kind: e.kind,
        type: v.type,
        violation: v,
        firstSeenAt: iso(timeline.wallClockMs(v.firstSeenS)),
        lastSeenAt: iso(timeline.wallClockMs(v.lastSeenS)),
        model: modelFor(v),
        evidenceFrames: evidenceRequests(v, video, frameWidth, frameHeight),
      };
      if (e.reason) event.reason = e.reason;
      events.push(event);
      latest.set(v.id, v);
      await deps.onEvent?.(event);
    }
  };

  let done = 0;
  for (const o of frames) {
    timeline.advance(o.ptsS, o.wallClockMs);
    if (Number.isFinite(o.width) && Number.isFinite(o.height)) {
      frameWidth = o.width;
      frameHeight = o.height;
    }
    await emit(engine.processFrame(toFrameInput(o)));
    if (Number.isFinite(o.ptsS)) lastPtsS = o.ptsS;
    done++;
    if (done % 50 === 0 || done === frames.length) {
      deps.onProgress?.({ stage: 'aggregate', done, total: frames.length, ptsS: o.ptsS });
    }
  }
  if (input.endOfStream !== false && lastPtsS !== null) await emit(engine.flush(lastPtsS));

  const diagnostics = engine.diagnostics;
  logger.debug(
    `aggregated ${frames.length} frames: ${events.length} events, ${diagnostics.accepted}/${diagnostics.detections} detections accepted`,
  );
  return {
    events,
    violations: [...latest.values()],
    state: {
      version: 1,
      sourceId: source.id,
      engine: engine.snapshot(),
      timeline: timeline.snapshot(),
      frameWidth,
      frameHeight,
      lastPtsS,
    },
    diagnostics,
    frames: frames.length,
  };
}
