/**
 * The long-running work for one leased RTSP camera: frames from the stream (latest-frame mode,
 * so a slow detector sees the present), the same per-frame analysis as a file segment
 * (FrameAnalyser), the same aggregation into violations (aggregateObservations) continued from
 * the camera's persisted state, candidate cases upserted, and the state saved after every batch
 * under the lease token.
 *
 * Time: a live frame's wall clock is when it was received. Its pts for the engine is seconds
 * since the camera's epoch, which is kept in the persisted state, so a worker that takes the
 * camera over continues the same timeline: a takeover gap under the engine's 60 s discontinuity
 * limit is ordinary time (a parked car keeps its dwell and its track), a longer outage is a
 * discontinuity (dwell kept, the gap not credited), as violations/README.md describes.
 *
 * Crash safety: cases are upserted before the state is saved. A worker that dies in between
 * leaves cases ahead of the state; the next owner replays from the older state, derives the
 * same violation ids and upserts idempotently. The reverse order could lose a case.
 */
import { toPipelineSource } from '../cases/pipeline-source-validator.js';
import { InvalidInputError, errorMessage } from '../common/errors.js';
import type { EvidenceService } from '../evidence/evidence-service.js';
import { aggregateObservations, type AggregatorState } from '../pipeline/aggregate-observations.js';
import { newestPerViolation, toCaseInput } from '../pipeline/case-input.js';
import { FrameAnalyser, type AnalyseOptions } from '../pipeline/frame-analyser.js';
import {
  silentPipelineLogger,
  type FrameDetector,
  type FrameObservation,
  type FrameSegmenter,
  type PipelineEvent,
  type PipelineLogger,
} from '../pipeline/pipeline-types.js';
import type { CaseSink } from '../pipeline/run-video-pipeline.js';
import type { CameraLease, CameraLeaseRepository } from '../repositories/database-camera-leases.js';
import type { SourceRepository } from '../repositories/database-sources.js';
import { RtspFrameSource, type RtspFrameSourceOptions } from '../video/rtsp-frame-source.js';
import type { SourceConfig } from '../violations/config/source-config.js';
import type { EngineOptions } from '../violations/violation-engine.js';
import { CameraEvidenceRecorder, type CameraEvidenceOptions } from './camera-evidence.js';
import { LeaseLostError } from './camera-lease-manager.js';

/** What is persisted per camera between batches and across owners. */
export interface CameraRunnerState {
  version: 1;
  sourceId: string;
  /** Wall clock (ms) of engine pts 0: the first frame this camera ever delivered. */
  ptsEpochMs: number;
  aggregator: AggregatorState;
}

/** The process's models (PipelineModels): the detector, and a soil segmenter when the source needs one. */
export interface CameraModels {
  forSource(
    source: SourceConfig,
  ): Promise<{ detector: FrameDetector; segmenter?: FrameSegmenter | undefined }>;
}

export interface CameraRunnerDeps {
  sources: Pick<SourceRepository, 'find'>;
  leases: Pick<CameraLeaseRepository, 'loadState' | 'saveState'>;
  cases: CaseSink;
  models: CameraModels;
  /** Renders each new case's evidence from the camera's recent frames; without it cases have none. */
  evidence?: Pick<EvidenceService, 'renderForViolation'> | undefined;
  logger?: PipelineLogger | undefined;
  /** Every violation event, in order, after its case was stored. */
  onEvent?: ((event: PipelineEvent) => void) | undefined;
  /** After each batch was stored and its state saved. */
  onBatch?: ((batch: CameraBatch) => void) | undefined;
  /** After each frame's analysis (or motion-gate skip): latency and capacity measurements. */
  onFrame?: ((timing: CameraFrameTiming) => void) | undefined;
}

export interface CameraFrameTiming {
  sourceId: string;
  /** When the frame was read from ffmpeg, i.e. left the decoder (epoch ms). */
  receivedAtMs: number;
  /** The stream's own timestamp (restarts with each connection): shows a decoder falling behind. */
  streamPtsS: number | null;
  /** When its analysis finished (epoch ms). */
  decidedAtMs: number;
  /** False when the motion gate let it pass without detection. */
  analysed: boolean;
  /** Frames the source has replaced by newer ones so far: the analysis fell behind the stream. */
  dropped: number;
}

export interface CameraBatch {
  sourceId: string;
  frames: number;
  events: number;
  /** Receive time of the batch's last frame. */
  lastFrameAt: string;
}

export interface CameraRunnerOptions {
  /** Frames analysed per second, at most (default 1): ffmpeg drops the rest before RGB conversion. */
  sampleFps?: number;
  /** Decode width in pixels (aspect kept); default the stream's own size. */
  width?: number;
  /** Aggregate, store cases and save state after this many seconds of frames (default 5). */
  batchSeconds?: number;
  analyse?: AnalyseOptions;
  engine?: EngineOptions;
  /** How analysed frames are kept for evidence (how far back, memory bound). */
  evidence?: CameraEvidenceOptions;
  /** Stream options: stall and connect timeouts, reconnect backoff, transport. */
  rtsp?: Omit<RtspFrameSourceOptions, 'url' | 'width' | 'maxFps' | 'logger'>;
}

const DEFAULT_BATCH_SECONDS = 5;

function isRunnerState(s: unknown, sourceId: string): s is CameraRunnerState {
  if (typeof s !== 'object' || s === null) return false;
  const r = s as Partial<CameraRunnerState>;
  return r.version === 1 && r.sourceId === sourceId && Number.isFinite(r.ptsEpochMs) && !!r.aggregator;
}

/** Loads a camera's configuration with its real stream URL (the API only ever shows it masked). */
async function loadCamera(
  sources: CameraRunnerDeps['sources'],
  sourceId: string,
): Promise<{ source: SourceConfig; url: string; keyFramesOnly: boolean }> {
  const record = await sources.find(sourceId);
  if (!record) throw new InvalidInputError(`camera source '${sourceId}' does not exist`);
  const url = record.config.rtspUrl;
  if (record.config.kind !== 'camera' || typeof url !== 'string') {
    throw new InvalidInputError(`source '${sourceId}' is not a camera with an rtspUrl`);
  }
  return {
    source: toPipelineSource({ ...record.config, id: record.id }),
    url,
    keyFramesOnly: record.config.decode === 'keyframes',
  };
}

/**
 * Runs one camera until `signal` aborts: a LeaseLostError reason stops it without writing
 * anything more; any other reason (shutdown) stores the batch in hand and saves its state first.
 * Resolves on a clean stop; rejects on failures (bad configuration, database errors).
 */
export async function runCamera(
  lease: CameraLease,
  signal: AbortSignal,
  deps: CameraRunnerDeps,
  opts: CameraRunnerOptions = {},
): Promise<void> {
  const logger = deps.logger ?? silentPipelineLogger;
  const sourceId = lease.sourceId;
  const { source, url, keyFramesOnly } = await loadCamera(deps.sources, sourceId);
  const stored = await deps.leases.loadState(sourceId);
  let saved: CameraRunnerState | undefined;
  if (stored && isRunnerState(stored.state, sourceId)) saved = stored.state;
  else if (stored) logger.warn(`camera ${sourceId}: persisted state is not usable; starting afresh`);
  if (saved) logger.info(`camera ${sourceId}: resuming from state saved at ${stored!.updatedAt}`);

  const sampleFps = opts.sampleFps ?? 1;
  const batchMs = (opts.batchSeconds ?? DEFAULT_BATCH_SECONDS) * 1000;
  if (!(sampleFps > 0 && batchMs > 0)) throw new InvalidInputError('sampleFps and batchSeconds must be > 0');
  const { detector, segmenter } = await deps.models.forSource(source);
  const analyser = new FrameAnalyser({ source, detector, segmenter, options: opts.analyse });
  for (const w of analyser.warnings) logger.warn(`camera ${sourceId}: ${w}`);
  const recorder = deps.evidence
    ? new CameraEvidenceRecorder(deps.evidence, source, logger, opts.evidence)
    : undefined;

  let ptsEpochMs = saved?.ptsEpochMs;
  let state = saved?.aggregator;
  let batch: FrameObservation[] = [];
  let batchStartMs = 0;
  let lastFrameMs = 0;

  const lost = (): boolean => signal.reason instanceof LeaseLostError;
  const store = async (): Promise<void> => {
    if (batch.length === 0 || lost()) return;
    const observations = batch;
    batch = [];
    let result;
    try {
      result = await aggregateObservations({
        source,
        observations,
        ...(state ? { state } : {}),
        endOfStream: false,
        ...(opts.engine ? { engine: opts.engine } : {}),
        models: analyser.models,
      });
    } catch (err) {
      if (!state) throw err;
      // A state the engine cannot restore (e.g. saved under a configuration since changed).
      logger.warn(
        `camera ${sourceId}: cannot resume the saved state (${errorMessage(err)}); starting afresh`,
      );
      state = undefined;
      result = await aggregateObservations({
        source,
        observations,
        endOfStream: false,
        ...(opts.engine ? { engine: opts.engine } : {}),
        models: analyser.models,
      });
    }
    for (const event of newestPerViolation(result.events)) {
      if (lost()) return;
      const stored = await deps.cases.upsertFromViolation(toCaseInput(event, source));
      if (stored.created) await recorder?.renderFor(stored.case.id, event);
      logger.debug(`camera ${sourceId}: ${event.kind} ${event.type} ${event.violation.id}`);
    }
    for (const e of result.events) deps.onEvent?.(e);
    const next: CameraRunnerState = {
      version: 1,
      sourceId,
      ptsEpochMs: ptsEpochMs!,
      aggregator: result.state,
    };
    if (!(await deps.leases.saveState(lease, next))) {
      throw new LeaseLostError(sourceId, 'the state write was refused: another worker holds the camera');
    }
    state = result.state;
    deps.onBatch?.({
      sourceId,
      frames: observations.length,
      events: result.events.length,
      lastFrameAt: new Date(lastFrameMs).toISOString(),
    });
  };

  const frames = RtspFrameSource.open({
    ...opts.rtsp,
    url,
    maxFps: sampleFps,
    ...(keyFramesOnly ? { skipFrame: 'nokey' as const } : {}),
    ...(opts.width ? { width: opts.width } : {}),
    logger: {
      debug: (m) => logger.debug(`camera ${sourceId}: ${m}`),
      warn: (m) => logger.warn(`camera ${sourceId}: ${m}`),
    },
  });
  frames.onStatus((s) =>
    logger.info(`camera ${sourceId}: ${s.state}${s.lastError ? ` (${s.lastError})` : ''}`),
  );
  // Ending the stream is how the frame loop below learns of the abort while waiting for a frame.
  const onAbort = (): void => void frames.close();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    if (signal.aborted) return;
    for await (const frame of frames) {
      if (signal.aborted) break;
      const receivedMs = frame.receivedAt.getTime();
      ptsEpochMs ??= receivedMs;
      const ptsS = (receivedMs - ptsEpochMs) / 1000;
      const obs = await analyser.analyse(
        { image: frame.image, ptsS, index: frame.index },
        { wallClockMs: receivedMs, frameIndex: Math.round(ptsS * sampleFps) },
      );
      lastFrameMs = receivedMs;
      deps.onFrame?.({
        sourceId,
        receivedAtMs: receivedMs,
        streamPtsS: frame.streamPtsS,
        decidedAtMs: Date.now(),
        analysed: obs !== null,
        dropped: frames.stats().dropped,
      });
      if (obs) {
        // Only analysed frames can be a violation's start, threshold or best frame.
        await recorder?.record(frame.image, ptsS, receivedMs);
        if (batch.length === 0) batchStartMs = receivedMs;
        batch.push(obs);
      }
      if (batch.length > 0 && receivedMs - batchStartMs >= batchMs) await store();
    }
    // Shutdown: what was analysed since the last batch is stored before the lease goes back.
    await store();
  } finally {
    signal.removeEventListener('abort', onAbort);
    await frames.close();
  }
}
