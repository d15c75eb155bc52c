/**
 * Stage 2: decode one segment of a planned video at the sampling rate and turn each frame into an
 * observation — detections with appearance vectors, bare-soil regions when a rule needs them, the
 * drone's pose. Segments are independent (a fresh motion gate each), so they can run on
 * different workers; the violation engine sees them only later, in timestamp order.
 */
import { InvalidInputError } from '../common/errors.js';
import type { Detection } from '../detector/types.js';
import { FileFrameSource } from '../video/file-frame-source.js';
import { MotionGate, type MotionGateOptions } from '../video/motion-gate.js';
import { segmentOwns, segmentWindow, type Segment } from '../video/segments.js';
import type { SourceConfig } from '../violations/config/source-config.js';
import { boxAppearance } from './appearance-vector.js';
import { poseAt } from './drone-pose.js';
import {
  silentPipelineLogger,
  type FrameDetector,
  type FrameObservation,
  type FrameSegmenter,
  type FrameSourceFactory,
  type PipelineLogger,
  type ProgressCallback,
  type SegmentAnalysis,
  type SegmentStats,
  type VideoPlan,
} from './pipeline-types.js';

export interface AnalyseOptions {
  /**
   * Cameras: skip frames in which nothing moved (a static scene is re-analysed at least every
   * `forceEveryS`, 10 s by default). False analyses every sampled frame. Drones are never gated.
   */
  motionGate?: boolean | MotionGateOptions;
  /** Cameras: segment soil at most this often, in seconds (default 10); drones: every frame. */
  soilIntervalS?: number;
}

export interface AnalyseSegmentInput {
  plan: VideoPlan;
  /** One of `plan.segments`. */
  segment: Segment;
  options?: AnalyseOptions;
}

export interface AnalyseSegmentDeps {
  detector: FrameDetector;
  /** Needed only when the source has an exposed-soil rule to feed; skipped (with a warning) if absent. */
  segmenter?: FrameSegmenter;
  openFrames?: FrameSourceFactory;
  logger?: PipelineLogger;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
}

const DEFAULT_SOIL_INTERVAL_S = 10;

const defaultOpenFrames: FrameSourceFactory = (w) =>
  FileFrameSource.open(w.path, {
    info: w.info,
    startS: w.startS,
    ...(w.durationS === undefined ? {} : { durationS: w.durationS }),
    ...(w.fps === undefined ? {} : { fps: w.fps }),
    width: w.width,
    height: w.height,
  });

/** Whether the source has a soil rule that segmentation would feed. */
export function sourceNeedsSoil(s: SourceConfig): boolean {
  if (!s.rules.exposed_soil.enabled) return false;
  return s.kind === 'drone' || s.zones.some((z) => z.type === 'construction_site');
}

export function needsSoil(plan: VideoPlan): boolean {
  return sourceNeedsSoil(plan.source);
}

function expectedFrames(plan: VideoPlan, segment: Segment): number | null {
  const end = segment.isLast ? plan.media.durationS : segment.endS;
  const rate = plan.sampleFps ?? plan.media.video.frameRate;
  if (end === null || rate === null) return null;
  return Math.max(0, Math.round((end - segment.startS) * rate));
}

function usableDetections(detections: readonly Detection[]): Detection[] {
  // Only what the engine can use travels on: unmapped model classes would just be counted and dropped.
  return detections.filter((d) => d.canonical !== null);
}

export async function analyseSegment(
  input: AnalyseSegmentInput,
  deps: AnalyseSegmentDeps,
): Promise<SegmentAnalysis> {
  const { plan, segment } = input;
  const opts = input.options ?? {};
  if (!plan || plan.version !== 1) throw new InvalidInputError('analyseSegment needs a version-1 video plan');
  if (!plan.segments.some((s) => s.index === segment.index && s.startS === segment.startS)) {
    throw new InvalidInputError(`segment ${segment.index} is not one of the plan's segments`);
  }
  const logger = deps.logger ?? silentPipelineLogger;
  const isDrone = plan.source.kind === 'drone';
  const warnings: string[] = [];
  const soilWanted = needsSoil(plan);
  const segmenter = soilWanted ? deps.segmenter : undefined;
  if (soilWanted && !segmenter) {
    warnings.push('exposed_soil is on for this source but no soil segmenter was given: soil is not analysed');
  }
  const soilEveryS = isDrone ? 0 : (opts.soilIntervalS ?? DEFAULT_SOIL_INTERVAL_S);
  const gateOpts = opts.motionGate ?? true;
  const gate = !isDrone && gateOpts !== false ? new MotionGate(gateOpts === true ? {} : gateOpts) : null;
  const telemetry = isDrone ? (plan.telemetry?.records ?? null) : null;

  const source = await (deps.openFrames ?? defaultOpenFrames)({
    path: plan.video,
    info: plan.media,
    ...segmentWindow(segment),
    ...(plan.sampleFps === null ? {} : { fps: plan.sampleFps }),
    width: plan.frameWidth,
    height: plan.frameHeight,
  });
  const stats: SegmentStats = {
    decoded: 0,
    analysed: 0,
    skippedStatic: 0,
    segmented: 0,
    detections: 0,
    withoutPose: 0,
  };
  const observations: FrameObservation[] = [];
  const total = expectedFrames(plan, segment);
  const gridRate = plan.sampleFps ?? plan.media.video.frameRate;
  let lastSoilS = -Infinity;
  try {
    for await (const frame of source) {
      if (deps.signal?.aborted) throw deps.signal.reason ?? new Error('analysis aborted');
      // The decoder's window and the segment's ownership agree, but only ownership is exact-once.
      if (!segmentOwns(segment, frame.ptsS)) continue;
      stats.decoded++;
      const decision = gate?.decide(frame);
      if (decision && !decision.analyse) {
        stats.skippedStatic++;
        continue;
      }
      const detections = usableDetections(await deps.detector.detect(frame));
      const { width, height } = frame.image;
      const obs: FrameObservation = {
        ptsS: frame.ptsS,
        wallClockMs: plan.startWallClockMs + frame.ptsS * 1000,
        frameIndex: gridRate === null ? frame.index : Math.round(frame.ptsS * gridRate),
        width,
        height,
        detections,
        appearance: detections.map((d) => boxAppearance(frame.image, d.box)),
      };
      if (decision) obs.gate = decision.reason;
      if (segmenter && frame.ptsS - lastSoilS >= soilEveryS) {
        obs.soil = await segmenter.segment(frame);
        lastSoilS = frame.ptsS;
        stats.segmented++;
      }
      if (telemetry) {
        const pose = poseAt(telemetry, frame.ptsS, width, height, plan.focal35mm);
        if (pose) obs.pose = pose;
        else stats.withoutPose++;
      }
      stats.analysed++;
      stats.detections += detections.length;
      observations.push(obs);
      deps.onProgress?.({
        stage: 'analyse',
        segment: segment.index,
        done: stats.decoded,
        total,
        ptsS: frame.ptsS,
      });
    }
  } finally {
    await source.close();
  }
  if (source instanceof FileFrameSource) warnings.push(...source.warnings);
  if (isDrone && stats.withoutPose > 0) {
    warnings.push(`${stats.withoutPose} frame(s) had no telemetry pose: not geo-referenced`);
  }
  for (const w of warnings) logger.warn(`segment ${segment.index}: ${w}`);
  logger.debug(
    `segment ${segment.index}: ${stats.analysed}/${stats.decoded} frames analysed, ${stats.detections} detections`,
  );
  return {
    version: 1,
    video: plan.video,
    sourceId: plan.source.id,
    segment,
    observations,
    stats,
    models: { detector: deps.detector.model, segmenter: segmenter?.model ?? null },
    warnings,
  };
}
