export {
  ViolationEngine,
  type EngineOptions,
  type EngineSnapshot,
  type FlushOptions,
  type FrameInput,
} from './violation-engine.js';
export {
  parseSourceConfig,
  loadSourceConfig,
  type SourceConfig,
  type Zone,
  type GroundCalibration,
} from './config/source-config.js';
export {
  ZONE_TYPES,
  SOURCE_KINDS,
  DEFAULT_TIMEZONE,
  type ZoneType,
  type SourceKind,
} from './config/source-config-schema.js';
export {
  RULE_DEFAULTS,
  type RuleParams,
  type RuleParamsByType,
  type TrackRuleParams,
  type BinOverflowParams,
  type ExposedSoilParams,
} from './config/rule-params.js';
export {
  isScheduleActive,
  WEEKDAYS,
  type Schedule,
  type ScheduleWindow,
  type Weekday,
} from './config/schedule.js';
export { Tracker } from './tracker/tracker.js';
export {
  DEFAULT_TRACKER_OPTIONS,
  type TrackerOptions,
  type TrackerSnapshot,
  type TrackState,
  type TrackInput,
  type FrameMeta,
} from './tracker/track-types.js';
export {
  DEFAULT_DEDUPE_OPTIONS,
  type DedupeOptions,
  type DedupeSnapshot,
} from './dedupe/violation-registry.js';
export type { EngineDiagnostics } from './detection-intake.js';
export type { DronePose } from './ground/ground-locator.js';
export {
  RULE_TYPES,
  type RuleType,
  type FrameRef,
  type Violation,
  type ViolationEvent,
  type ViolationEventKind,
  type ViolationEvidence,
  type ViolationPolygon,
  type CloseReason,
} from './violation-types.js';
