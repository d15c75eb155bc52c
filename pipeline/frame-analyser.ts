/**
 * One frame in, one observation out: the motion gate, the detector, appearance vectors, soil
 * segmentation at its interval and the drone pose. `analyseSegment` drives it over a file
 * segment; the camera workers drive it over a live RTSP stream, so both analyse frames the same
 * way and only differ in where frames and their wall-clock times come from.
 */
import type { Detection } from '../detector/types.js';
import type { VideoFrame } from '../video/frame-types.js';
import { MotionGate, type MotionGateOptions } from '../video/motion-gate.js';
import type { TelemetryRecord } from '../video/telemetry/index.js';
import type { SourceConfig } from '../violations/config/source-config.js';
import { boxAppearance } from './appearance-vector.js';
import { poseAt } from './drone-pose.js';
import type {
  FrameDetector,
  FrameObservation,
  FrameSegmenter,
  SegmentStats,
  StageModels,
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

export interface FrameAnalyserInit {
  source: SourceConfig;
  detector: FrameDetector;
  /** Used only when the source has a soil rule to feed (a warning says when it is missing). */
  segmenter?: FrameSegmenter | undefined;
  options?: AnalyseOptions | undefined;
  /** Drones: telemetry to pose each frame from. */
  telemetry?: readonly TelemetryRecord[] | null | undefined;
  /** 35 mm-equivalent focal length for poses when a record has none. */
  focal35mm?: number | undefined;
}

/** Where a frame sits in time: the stage that owns the frames knows this, the analyser does not. */
export interface FramePlacement {
  wallClockMs: number;
  frameIndex: number;
}

const DEFAULT_SOIL_INTERVAL_S = 10;

/** Whether the source has a soil rule that segmentation would feed. */
export function sourceNeedsSoil(s: SourceConfig): boolean {
  if (!s.rules.exposed_soil.enabled) return false;
  return s.kind === 'drone' || s.zones.some((z) => z.type === 'construction_site');
}

function usableDetections(detections: readonly Detection[]): Detection[] {
  // Only what the engine can use travels on: unmapped model classes would just be counted and dropped.
  return detections.filter((d) => d.canonical !== null);
}

export class FrameAnalyser {
  readonly stats: SegmentStats = {
    decoded: 0,
    analysed: 0,
    skippedStatic: 0,
    segmented: 0,
    detections: 0,
    withoutPose: 0,
  };
  readonly warnings: string[] = [];
  private readonly detector: FrameDetector;
  private readonly segmenter: FrameSegmenter | undefined;
  private readonly gate: MotionGate | null;
  private readonly soilEveryS: number;
  private readonly telemetry: readonly TelemetryRecord[] | null;
  private readonly focal35mm: number;
  private lastSoilS = -Infinity;

  constructor(init: FrameAnalyserInit) {
    const isDrone = init.source.kind === 'drone';
    const opts = init.options ?? {};
    const soilWanted = sourceNeedsSoil(init.source);
    this.detector = init.detector;
    this.segmenter = soilWanted ? init.segmenter : undefined;
    if (soilWanted && !this.segmenter) {
      this.warnings.push(
        'exposed_soil is on for this source but no soil segmenter was given: soil is not analysed',
      );
    }
    this.soilEveryS = isDrone ? 0 : (opts.soilIntervalS ?? DEFAULT_SOIL_INTERVAL_S);
    const gateOpts = opts.motionGate ?? true;
    this.gate = !isDrone && gateOpts !== false ? new MotionGate(gateOpts === true ? {} : gateOpts) : null;
    this.telemetry = isDrone ? (init.telemetry ?? null) : null;
    this.focal35mm = init.focal35mm ?? 0;
  }

  get models(): StageModels {
    const models: StageModels = { detector: this.detector.model, segmenter: this.segmenter?.model ?? null };
    if (this.detector.trackStartScores) models.trackStartScores = this.detector.trackStartScores;
    return models;
  }

  /** The frame's observation, or null when the motion gate let it pass unanalysed. */
  async analyse(frame: VideoFrame, at: FramePlacement): Promise<FrameObservation | null> {
    const stats = this.stats;
    stats.decoded++;
    const decision = this.gate?.decide(frame);
    if (decision && !decision.analyse) {
      stats.skippedStatic++;
      return null;
    }
    const detections = usableDetections(await this.detector.detect(frame));
    const { width, height } = frame.image;
    const obs: FrameObservation = {
      ptsS: frame.ptsS,
      wallClockMs: at.wallClockMs,
      frameIndex: at.frameIndex,
      width,
      height,
      detections,
      appearance: detections.map((d) => boxAppearance(frame.image, d.box)),
    };
    if (decision) obs.gate = decision.reason;
    if (this.segmenter && frame.ptsS - this.lastSoilS >= this.soilEveryS) {
      obs.soil = await this.segmenter.segment(frame);
      this.lastSoilS = frame.ptsS;
      stats.segmented++;
    }
    if (this.telemetry) {
      const pose = poseAt(this.telemetry, frame.ptsS, width, height, this.focal35mm);
      if (pose) obs.pose = pose;
      else stats.withoutPose++;
    }
    stats.analysed++;
    stats.detections += detections.length;
    return obs;
  }
}
