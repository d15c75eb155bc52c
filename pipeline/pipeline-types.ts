/**
 * What the pipeline stages take and hand over. Everything a stage returns is plain JSON data, so
 * a BullMQ job can carry it between workers; what a stage needs at run time (models, decoders,
 * the case store, callbacks) is injected separately as its dependencies.
 */
import type { SegmentationLabel } from '../detector/canonical-labels.js';
import type { Region } from '../detector/mask-regions.js';
import type { BoxXYXY, Detection } from '../detector/types.js';
import type { FrameSource, VideoFrame } from '../video/frame-types.js';
import type { GateReason } from '../video/motion-gate.js';
import type { MediaInfo } from '../video/probe.js';
import type { Segment } from '../video/segments.js';
import type { TelemetryRecord } from '../video/telemetry/index.js';
import type { SourceConfig } from '../violations/config/source-config.js';
import type { DronePose } from '../violations/ground/ground-locator.js';
import type { CloseReason, RuleType, Violation, ViolationEventKind } from '../violations/violation-types.js';

export interface PipelineLogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
}

export const silentPipelineLogger: PipelineLogger = { debug: () => {}, info: () => {}, warn: () => {} };

export interface PipelineProgress {
  stage: 'plan' | 'analyse' | 'aggregate' | 'store';
  /** Segment index, for `analyse`. */
  segment?: number;
  /** Frames (analyse, aggregate) or events (store) done so far. */
  done: number;
  /** Expected total, when known. */
  total: number | null;
  ptsS?: number;
}

export type ProgressCallback = (p: PipelineProgress) => void;

/** Name and version of the model behind a stage, recorded on cases. */
export interface ModelRef {
  name: string;
  version: string;
}

/**
 * Per Gridwatch label, the score at which the detector's calibration says a detection is real (the
 * manifest's `minScore`); the tracker lets such detections start tracks. See TrackerOptions.startScores.
 */
export type TrackStartScores = Readonly<Record<string, number>>;

/** The models behind a run's observations, as recorded on analyses and events. */
export interface StageModels {
  detector: ModelRef | null;
  segmenter: ModelRef | null;
  /** Travels with the analyses so that aggregation, maybe on another worker, tracks as the detector meant. */
  trackStartScores?: TrackStartScores;
}

/** The detection stage: one decoded frame in, Gridwatch-labelled detections in frame pixels out. */
export interface FrameDetector {
  readonly model: ModelRef | null;
  readonly trackStartScores?: TrackStartScores;
  detect(frame: VideoFrame): Promise<Detection[]>;
}

/** What the soil stage keeps of a segmentation: small enough to travel in a job. */
export interface SoilSummary {
  /** Bare-soil regions (outer outlines) in frame pixels. */
  regions: Region[];
  /** Share of the frame per Gridwatch segmentation label. */
  shares: Partial<Record<SegmentationLabel, number>>;
}

export interface FrameSegmenter {
  readonly model: ModelRef | null;
  segment(frame: VideoFrame): Promise<SoilSummary>;
}

/** A window of a video file to decode, as `analyseSegment` asks for it. */
export interface FrameWindow {
  path: string;
  info: MediaInfo;
  startS: number;
  /** Omitted: to the end of the file. */
  durationS?: number;
  /** Sampling rate; omitted: every decoded frame. */
  fps?: number;
  width: number;
  height: number;
}

export type FrameSourceFactory = (window: FrameWindow) => Promise<FrameSource>;

/** Drone telemetry kept in a plan: thinned to what frame-time interpolation needs. */
export interface PlanTelemetry {
  /** Where it came from: the sidecar file or `<video> (subtitle track N)`. */
  source: string;
  format: string;
  records: TelemetryRecord[];
  warnings: string[];
}

export type WallClockBasis = 'option' | 'telemetry' | 'file-time';

export interface VideoPlan {
  version: 1;
  video: string;
  source: SourceConfig;
  media: MediaInfo;
  /** Frames analysed per second; null: every decoded frame (the video is sparser than asked). */
  sampleFps: number | null;
  /** Frames are decoded at this size; detections, zones and evidence boxes use it. */
  frameWidth: number;
  frameHeight: number;
  /** Wall clock of pts 0 (ms since the epoch): drives enforcement schedules and case times. */
  startWallClockMs: number;
  wallClockBasis: WallClockBasis;
  telemetry: PlanTelemetry | null;
  /** 35 mm-equivalent focal length for drone poses when a record has none. */
  focal35mm: number;
  segments: Segment[];
  warnings: string[];
}

/** One analysed frame: everything the violation engine needs, as plain data. */
export interface FrameObservation {
  ptsS: number;
  wallClockMs: number;
  /** Position on the sampling grid, round(pts × rate), at the sampling or the video's own rate. */
  frameIndex: number;
  width: number;
  height: number;
  detections: Detection[];
  /** Per detection, same order: mean colours of a grid over its box (see appearance-vector.ts). */
  appearance: number[][];
  soil?: SoilSummary;
  pose?: DronePose;
  /** Why the motion gate let it through (cameras). */
  gate?: GateReason;
}

export interface SegmentStats {
  decoded: number;
  analysed: number;
  skippedStatic: number;
  segmented: number;
  detections: number;
  withoutPose: number;
}

export interface SegmentAnalysis {
  version: 1;
  video: string;
  sourceId: string;
  segment: Segment;
  observations: FrameObservation[];
  stats: SegmentStats;
  models: StageModels;
  warnings: string[];
}

export type EvidenceRole = 'start' | 'threshold' | 'best';

/** A frame the evidence stage should cut: real pts in the video, box in decoded-frame pixels. */
export interface EvidenceFrameRequest {
  role: EvidenceRole;
  video: string | null;
  ptsS: number;
  frameIndex?: number;
  wallClockMs?: number;
  box: BoxXYXY;
  frameWidth: number;
  frameHeight: number;
}

/** A violation event with what the engine cannot know: wall-clock times, model, evidence frames. */
export interface PipelineEvent {
  kind: ViolationEventKind;
  reason?: CloseReason;
  type: RuleType;
  violation: Violation;
  /** ISO 8601 wall-clock times of `violation.firstSeenS` / `lastSeenS`. */
  firstSeenAt: string;
  lastSeenAt: string;
  model: ModelRef | null;
  evidenceFrames: EvidenceFrameRequest[];
}
