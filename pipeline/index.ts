export {
  planVideo,
  DEFAULT_SAMPLE_FPS,
  DEFAULT_MAX_WIDTH,
  DEFAULT_SEGMENT_SECONDS,
  type PlanVideoInput,
  type PlanVideoDeps,
} from './plan-video.js';
export {
  analyseSegment,
  needsSoil,
  sourceNeedsSoil,
  type AnalyseOptions,
  type AnalyseSegmentInput,
  type AnalyseSegmentDeps,
} from './analyse-segment.js';
export { FrameAnalyser, type FrameAnalyserInit, type FramePlacement } from './frame-analyser.js';
export {
  aggregateObservations,
  evidenceRequests,
  type AggregateInput,
  type AggregateDeps,
  type AggregateResult,
  type AggregatorState,
} from './aggregate-observations.js';
export {
  runVideoPipeline,
  type RunVideoInput,
  type RunVideoDeps,
  type RunVideoResult,
  type CaseSink,
  type EvidenceHook,
} from './run-video-pipeline.js';
export { toCaseInput } from './case-input.js';
export {
  detectorStage,
  segmenterStage,
  modelRef,
  type DetectorStageOptions,
  type SegmenterStageOptions,
} from './model-stages.js';
export { boxAppearance, APPEARANCE_GRID } from './appearance-vector.js';
export { poseAt, poseFromRecord, thinTelemetry, DEFAULT_FOCAL_35MM } from './drone-pose.js';
export { parseWallClock, localTimeToEpochMs } from './wall-clock.js';
export { EngineTimeline, type TimelineState } from './engine-timeline.js';
export * from './pipeline-types.js';
