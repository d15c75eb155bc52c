import { Type, type TSchema } from '@sinclair/typebox';
import type { RuleType } from '../violation-types.js';
import type { Schedule } from './schedule.js';

/** Gates and dwell shared by the rules that follow tracked objects. */
export interface TrackRuleParams {
  enabled: boolean;
  /** Enforced stationary time before a violation opens. */
  minDwellSeconds: number;
  /** A track younger than this never counts: one-frame bursts (flashes, day/night switches). */
  minTrackAgeSeconds: number;
  /** Median detection score over the whole track. */
  minMedianScore: number;
  /** Shorter side of the track's median box, in image pixels. */
  minBoxSizePx: number;
  /** Matched detections over the track's life. */
  minObservations: number;
  schedule: Schedule;
}

export interface BinOverflowParams extends TrackRuleParams {
  /** Share of frames since the track began in which it was detected. */
  minPresenceRatio: number;
}

export interface ExposedSoilParams {
  enabled: boolean;
  /** Drone: merged bare-soil area on the ground. */
  minAreaM2: number;
  /** Camera: bare share of a `construction_site` zone. */
  minZoneFraction: number;
  /** Camera: consecutive qualifying frames; drone: frames a ground cell must be seen bare in. */
  minObservations: number;
  /** Drone: ground grid cell used to merge patches across frames. */
  cellSizeM: number;
  /** Drone: patches closer than this are one patch. */
  mergeGapM: number;
  schedule: Schedule;
}

export interface RuleParamsByType {
  illegal_parking: TrackRuleParams;
  street_vendor: TrackRuleParams;
  garbage_pile: TrackRuleParams;
  bin_overflow: BinOverflowParams;
  exposed_soil: ExposedSoilParams;
}

export type RuleParams = RuleParamsByType[RuleType];

const TRACK_GATES = {
  enabled: true,
  minTrackAgeSeconds: 10,
  minMedianScore: 0.3,
  minBoxSizePx: 12,
  minObservations: 3,
  schedule: null,
} as const;

export const RULE_DEFAULTS: Readonly<RuleParamsByType> = {
  illegal_parking: { ...TRACK_GATES, minDwellSeconds: 180 },
  street_vendor: { ...TRACK_GATES, minDwellSeconds: 300 },
  garbage_pile: { ...TRACK_GATES, minDwellSeconds: 120 },
  bin_overflow: { ...TRACK_GATES, minDwellSeconds: 60, minPresenceRatio: 0.8 },
  exposed_soil: {
    enabled: true,
    minAreaM2: 50,
    minZoneFraction: 0.2,
    minObservations: 3,
    cellSizeM: 0.5,
    mergeGapM: 1,
    schedule: null,
  },
};

const ScheduleWindowSchema = Type.Object(
  {
    days: Type.Optional(Type.Array(Type.String(), { minItems: 1 })),
    start: Type.String(),
    end: Type.String(),
  },
  { additionalProperties: false },
);

const Seconds = Type.Number({ minimum: 0, maximum: 7 * 24 * 3600 });
const Fraction = Type.Number({ minimum: 0, maximum: 1 });

const TRACK_GATE_SCHEMAS = {
  enabled: Type.Boolean(),
  minDwellSeconds: Seconds,
  minTrackAgeSeconds: Seconds,
  minMedianScore: Fraction,
  minBoxSizePx: Type.Number({ minimum: 0, maximum: 10_000 }),
  minObservations: Type.Integer({ minimum: 1, maximum: 100_000 }),
  schedule: Type.Array(ScheduleWindowSchema, { minItems: 1, maxItems: 32 }),
};

/** Per-rule parameter schemas; keys are checked first so a typo gets its own message. */
export const RULE_PARAM_SCHEMAS: Readonly<Record<RuleType, Readonly<Record<string, TSchema>>>> = {
  illegal_parking: TRACK_GATE_SCHEMAS,
  street_vendor: TRACK_GATE_SCHEMAS,
  garbage_pile: TRACK_GATE_SCHEMAS,
  bin_overflow: { ...TRACK_GATE_SCHEMAS, minPresenceRatio: Type.Number({ exclusiveMinimum: 0, maximum: 1 }) },
  exposed_soil: {
    enabled: Type.Boolean(),
    minAreaM2: Type.Number({ minimum: 0, maximum: 1e7 }),
    minZoneFraction: Fraction,
    minObservations: Type.Integer({ minimum: 1, maximum: 100_000 }),
    cellSizeM: Type.Number({ minimum: 0.05, maximum: 10 }),
    mergeGapM: Type.Number({ minimum: 0, maximum: 100 }),
    schedule: TRACK_GATE_SCHEMAS.schedule,
  },
};
