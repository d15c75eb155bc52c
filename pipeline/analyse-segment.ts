/**
 * Stage 2: decode one segment of a planned video at the sampling rate and turn each frame into an
 * observation — detections with appearance vectors, bare-soil regions when a rule needs them, the
 * drone's pose. Segments are independent (a fresh motion gate each), so they can run on
 * different workers; the violation engine sees them only later, in timestamp order.
 */
import { InvalidInputError } from '../common/errors.js';
import { FileFrameSource } from '../video/file-frame-source.js';
import { segmentOwns, segmentWindow, type Segment } from '../video/segments.js';
import { FrameAnalyser, sourceNeedsSoil, type AnalyseOptions } from './frame-analyser.js';
import {
  silentPipelineLogger,
  type FrameDetector,
  type FrameObservation,
  type FrameSegmenter,
  type FrameSourceFactory,
  type PipelineLogger,
  type ProgressCallback,
  type SegmentAnalysis,
  type VideoPlan,
} from './pipeline-types.js';

export { sourceNeedsSoil, type AnalyseOptions };

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

const defaultOpenFrames: FrameSourceFactory = (w) =>
  FileFrameSource.open(w.path, {
    info: w.info,
    startS: w.startS,
    ...(w.durationS === undefined ? {} : { durationS: w.durationS }),
    ...(w.fps === undefined ? {} : { fps: w.fps }),
    width: w.width,
    height: w.height,
  });

export function needsSoil(plan: VideoPlan): boolean {
  return sourceNeedsSoil(plan.source);
}

function expectedFrames(plan: VideoPlan, segment: Segment): number | null {
  const end = segment.isLast ? plan.media.durationS : segment.endS;
  const rate = plan.sampleFps ?? plan.media.video.frameRate;
  if (end === null || rate === null) return null;
  return Math.max(0, Math.round((end - segment.startS) * rate));
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
  const analyser = new FrameAnalyser({
    source: plan.source,
    detector: deps.detector,
    segmenter: deps.segmenter,
    options: opts,
    telemetry: plan.telemetry?.records ?? null,
    focal35mm: plan.focal35mm,
  });
  const warnings: string[] = [...analyser.warnings];

  const source = await (deps.openFrames ?? defaultOpenFrames)({
    path: plan.video,
    info: plan.media,
    ...segmentWindow(segment),
    ...(plan.sampleFps === null ? {} : { fps: plan.sampleFps }),
    width: plan.frameWidth,
    height: plan.frameHeight,
  });
  const stats = analyser.stats;
  const observations: FrameObservation[] = [];
  const total = expectedFrames(plan, segment);
  const gridRate = plan.sampleFps ?? plan.media.video.frameRate;
  try {
    for await (const frame of source) {
      if (deps.signal?.aborted) throw deps.signal.reason ?? new Error('analysis aborted');
      // The decoder's window and the segment's ownership agree, but only ownership is exact-once.
      if (!segmentOwns(segment, frame.ptsS)) {
        source.recycle?.(frame);
        continue;
      }
      const obs = await analyser.analyse(frame, {
        wallClockMs: plan.startWallClockMs + frame.ptsS * 1000,
        frameIndex: gridRate === null ? frame.index : Math.round(frame.ptsS * gridRate),
      });
      // Observations keep numbers and small crops' statistics, never the frame's pixels.
      source.recycle?.(frame);
      if (!obs) continue;
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
    models: analyser.models,
    warnings,
  };
}
