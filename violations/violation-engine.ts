import { InvalidInputError, errorMessage } from '../common/errors.js';
import { SEGMENTATION_LABELS } from '../detector/canonical-labels.js';
import type { Region } from '../detector/mask-regions.js';
import type { ClassMap } from '../detector/segmentation.js';
import type { Detection } from '../detector/types.js';
import type { SourceConfig } from './config/source-config.js';
import { isScheduleActive } from './config/schedule.js';
import {
  DEFAULT_DEDUPE_OPTIONS,
  ViolationRegistry,
  type DedupeOptions,
  type DedupeSnapshot,
} from './dedupe/violation-registry.js';
import { emptyDiagnostics, intakeDetections, type EngineDiagnostics } from './detection-intake.js';
import { EngineClock, type ClockState } from './engine-clock.js';
import { GroundLocator, isUsablePose, type DronePose } from './ground/ground-locator.js';
import { BinOverflowRule } from './rules/bin-overflow-rule.js';
import { DwellRule } from './rules/dwell-rule.js';
import { GARBAGE_PILE, ILLEGAL_PARKING, STREET_VENDOR } from './rules/dwell-rule-specs.js';
import type { RuleContext, ViolationCandidate } from './rules/rule-types.js';
import {
  isUsableClassMap,
  maskFromClassMap,
  maskFromRegions,
  type BareSoilMask,
} from './rules/soil/bare-soil-mask.js';
import { CameraSoilRule } from './rules/soil/camera-soil-rule.js';
import { DroneSoilRule, type DroneSoilSnapshot } from './rules/soil/drone-soil-rule.js';
import { ZoneRaster } from './rules/soil/zone-raster.js';
import { Tracker } from './tracker/tracker.js';
import type { FrameMeta, TrackerOptions, TrackerSnapshot, TrackState } from './tracker/track-types.js';
import { RULE_TYPES, type RuleType, type Violation, type ViolationEvent } from './violation-types.js';
import { ZoneIndex } from './zones/zone-index.js';

export interface EngineOptions {
  tracker?: Partial<TrackerOptions>;
  /** Drone sources default to `closeAfterSeconds: null`: a patch does not end because the drone flew on. */
  dedupe?: Partial<DedupeOptions>;
  /** A forward pts jump beyond this is a clock discontinuity (see EngineClock). Default 60 s. */
  maxGapSeconds?: number;
  /** Segmentation classes that mean bare soil. Default: the index of `bare_soil` in the Gridwatch labels. */
  bareSoilClasses?: readonly number[];
}

/** One sampled frame, as the video and detector stages describe it. */
export interface FrameInput {
  /** Stream timestamp in seconds. */
  ptsS: number;
  /** Wall-clock time of the frame (ms since the epoch); drives enforcement schedules. */
  wallClockMs: number;
  frameIndex?: number;
  width: number;
  height: number;
  detections: readonly Detection[];
  /** Per detection, same order; e.g. 4×4×3 mean colours of the box. */
  appearance?: readonly (ArrayLike<number> | undefined)[];
  /** Segmentation of this frame, at any size (rescaled to the frame). */
  segmentation?: ClassMap;
  /** Alternatively, bare-soil regions in frame pixels. */
  soilRegions?: readonly Region[];
  /** Drone pose for this frame's timestamp. */
  pose?: DronePose;
}

export interface FlushOptions {
  /** Close open violations (default). False keeps them open for a following stream or flight. */
  close?: boolean;
}

export interface EngineSnapshot {
  version: 1;
  sourceId: string;
  clock: ClockState;
  tracker: TrackerSnapshot;
  dedupe: DedupeSnapshot;
  /** Per scheduled rule: engine time enforcement began, null while off. */
  enforcement: Partial<Record<RuleType, number | null>>;
  rules: {
    illegal_parking: unknown;
    street_vendor: unknown;
    garbage_pile: unknown;
    bin_overflow: unknown;
    cameraSoil: unknown;
    droneSoil: DroneSoilSnapshot;
  };
  diagnostics: EngineDiagnostics;
}

const DEFAULT_MAX_GAP_S = 60;

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/**
 * Turns one source's detections into violation events: tracking, zones, dwell, rules and
 * dedupe. Odd input is counted in `diagnostics` and skipped, never thrown; only a bad
 * configuration (at parse time) or a foreign snapshot raises.
 */
export class ViolationEngine {
  private readonly zones: ZoneIndex;
  private readonly raster: ZoneRaster;
  private readonly locator: GroundLocator;
  private readonly clock: EngineClock;
  private readonly tracker: Tracker;
  private readonly registry: ViolationRegistry;
  private readonly parking: DwellRule;
  private readonly vendor: DwellRule;
  private readonly garbage: DwellRule;
  private readonly bins: BinOverflowRule;
  private readonly cameraSoil: CameraSoilRule;
  private readonly droneSoil: DroneSoilRule;
  private readonly bareClasses: ReadonlySet<number>;
  private enforcement: Partial<Record<RuleType, number | null>> = {};
  private diag: EngineDiagnostics = emptyDiagnostics();
  private lastTimeS = 0;

  constructor(
    readonly config: SourceConfig,
    opts: EngineOptions = {},
  ) {
    this.zones = new ZoneIndex(config.zones);
    this.raster = new ZoneRaster(config.zones);
    this.locator = new GroundLocator(config);
    this.clock = new EngineClock(opts.maxGapSeconds ?? DEFAULT_MAX_GAP_S);
    this.tracker = new Tracker(opts.tracker);
    const isDrone = config.kind === 'drone';
    this.registry = new ViolationRegistry(config.id, isDrone, {
      ...DEFAULT_DEDUPE_OPTIONS,
      ...(isDrone ? { closeAfterSeconds: null } : {}),
      ...opts.dedupe,
    });
    const r = config.rules;
    this.parking = new DwellRule(ILLEGAL_PARKING, r.illegal_parking);
    this.vendor = new DwellRule(STREET_VENDOR, r.street_vendor);
    this.garbage = new DwellRule(GARBAGE_PILE, r.garbage_pile);
    this.bins = new BinOverflowRule(r.bin_overflow);
    this.cameraSoil = new CameraSoilRule(r.exposed_soil, this.raster);
    this.droneSoil = new DroneSoilRule(r.exposed_soil);
    this.bareClasses = new Set(opts.bareSoilClasses ?? [SEGMENTATION_LABELS.indexOf('bare_soil')]);
  }

  get diagnostics(): Readonly<EngineDiagnostics> {
    return { ...this.diag };
  }

  openViolations(): Violation[] {
    return this.registry.openViolations();
  }

  /** Live tracks (copies), e.g. for drawing an overlay. */
  tracks(): TrackState[] {
    return structuredClone([...this.tracker.liveTracks()]);
  }

  processFrame(frame: FrameInput): ViolationEvent[] {
    const d = this.diag;
    d.frames++;
    if (
      !frame ||
      typeof frame !== 'object' ||
      !isFiniteNumber(frame.ptsS) ||
      !isFiniteNumber(frame.width) ||
      !isFiniteNumber(frame.height) ||
      frame.width <= 0 ||
      frame.height <= 0
    ) {
      d.badFrames++;
      return [];
    }
    const { timeS, discontinuity } = this.clock.advance(frame.ptsS);
    if (discontinuity) d.clockJumps++;
    this.lastTimeS = timeS;

    const meta: FrameMeta = { ptsS: frame.ptsS, width: frame.width, height: frame.height };
    if (isFiniteNumber(frame.frameIndex)) meta.frameIndex = frame.frameIndex;
    if (isFiniteNumber(frame.wallClockMs)) meta.wallClockMs = frame.wallClockMs;

    const inputs = intakeDetections(
      frame.detections,
      frame.appearance,
      frame.width,
      frame.height,
      this.tracker.options.lowScore,
      this.zones,
      d,
    );
    this.tracker.update(timeS, meta, inputs);
    this.updateEnforcement(timeS, frame.wallClockMs);

    let pose: DronePose | undefined;
    if (frame.pose !== undefined) {
      if (isUsablePose(frame.pose)) pose = frame.pose;
      else d.badPose++;
    }
    const base: Omit<RuleContext, 'enforcedSince'> = {
      timeS,
      frame: meta,
      tracks: this.tracker.liveTracks(),
      seenThisFrame: (t) => this.tracker.seenThisFrame(t),
      zones: this.zones,
      locator: this.locator,
      ...(pose ? { pose } : {}),
    };
    const ctx = (type: RuleType): RuleContext => ({ ...base, enforcedSince: this.enforcedSince(type) });
    const candidates: ViolationCandidate[] = [
      ...this.parking.evaluate(ctx('illegal_parking')),
      ...this.vendor.evaluate(ctx('street_vendor')),
      ...this.garbage.evaluate(ctx('garbage_pile')),
      ...this.bins.evaluate(ctx('bin_overflow')),
      ...this.evaluateSoil(frame, ctx('exposed_soil')),
    ];
    const before = this.registry.suppressedCount;
    const events = this.registry.observe(candidates, timeS);
    d.suppressed += this.registry.suppressedCount - before;
    return events;
  }

  /** End of stream: closes open violations (unless `close: false`) at `ptsS`. */
  flush(ptsS: number, opts: FlushOptions = {}): ViolationEvent[] {
    if (opts.close === false) return [];
    return this.registry.closeAll(this.clock.peek(ptsS), 'end_of_stream');
  }

  /**
   * Case review's hook: no violation opens at `placeKey` until `untilS` (engine timeline, the
   * same clock as `Violation.lastSeenS`); an open one there is closed.
   */
  suppress(placeKey: string, untilS: number): ViolationEvent[] {
    return this.registry.suppress(placeKey, untilS, this.lastTimeS);
  }

  private enforcedSince(type: RuleType): number | null {
    return this.config.rules[type].schedule === null ? -Infinity : (this.enforcement[type] ?? null);
  }

  private updateEnforcement(timeS: number, wallClockMs: number): void {
    for (const type of RULE_TYPES) {
      const schedule = this.config.rules[type].schedule;
      if (schedule === null) continue;
      const active = isScheduleActive(schedule, wallClockMs, this.config.timezone);
      this.enforcement[type] = active ? (this.enforcement[type] ?? timeS) : null;
    }
  }

  private evaluateSoil(frame: FrameInput, ctx: RuleContext): ViolationCandidate[] {
    if (!this.config.rules.exposed_soil.enabled || ctx.enforcedSince === null) return [];
    if (frame.segmentation === undefined && frame.soilRegions === undefined) return [];
    if (this.config.kind === 'camera') {
      if (this.zones.ofType('construction_site').length === 0) return [];
      return this.cameraSoil.evaluate(ctx, this.soilMask(frame));
    }
    if (!ctx.pose) {
      this.diag.soilWithoutPose++;
      return [];
    }
    return this.droneSoil.evaluate(ctx, this.soilMask(frame));
  }

  private soilMask(frame: FrameInput): BareSoilMask | null {
    const map = frame.segmentation;
    if (map !== undefined) {
      if (!isUsableClassMap(map)) {
        this.diag.badSegmentation++;
        return null;
      }
      return maskFromClassMap(map, this.bareClasses, this.raster.maskBitmap(map.width, map.height));
    }
    if (!Array.isArray(frame.soilRegions)) {
      this.diag.badSegmentation++;
      return null;
    }
    const w = Math.round(frame.width);
    const h = Math.round(frame.height);
    const mask = maskFromRegions(frame.soilRegions, w, h, this.raster.maskBitmap(w, h));
    if (!mask) this.diag.badSegmentation++;
    return mask;
  }

  snapshot(): EngineSnapshot {
    return {
      version: 1,
      sourceId: this.config.id,
      clock: this.clock.snapshot(),
      tracker: this.tracker.snapshot(),
      dedupe: this.registry.snapshot(),
      enforcement: { ...this.enforcement },
      rules: {
        illegal_parking: this.parking.snapshot(),
        street_vendor: this.vendor.snapshot(),
        garbage_pile: this.garbage.snapshot(),
        bin_overflow: this.bins.snapshot(),
        cameraSoil: this.cameraSoil.snapshot(),
        droneSoil: this.droneSoil.snapshot(),
      },
      diagnostics: { ...this.diag },
    };
  }

  /** Resumes from a snapshot of the same source (e.g. taken by another worker). */
  restore(snapshot: EngineSnapshot): void {
    if (!snapshot || typeof snapshot !== 'object' || snapshot.version !== 1) {
      throw new InvalidInputError('engine snapshot is not a version-1 snapshot');
    }
    if (snapshot.sourceId !== this.config.id) {
      throw new InvalidInputError(
        `engine snapshot is for source '${snapshot.sourceId}', not '${this.config.id}'`,
      );
    }
    try {
      this.clock.restore(snapshot.clock);
      this.tracker.restore(snapshot.tracker);
      this.registry.restore(snapshot.dedupe);
      this.enforcement = { ...snapshot.enforcement };
      this.parking.restore(snapshot.rules.illegal_parking);
      this.vendor.restore(snapshot.rules.street_vendor);
      this.garbage.restore(snapshot.rules.garbage_pile);
      this.bins.restore(snapshot.rules.bin_overflow);
      this.cameraSoil.restore(snapshot.rules.cameraSoil);
      this.droneSoil.restore(snapshot.rules.droneSoil);
      this.diag = { ...emptyDiagnostics(), ...snapshot.diagnostics };
      const c = snapshot.clock;
      this.lastTimeS = c.lastPtsS === null ? 0 : c.lastPtsS + c.offsetS;
    } catch (err) {
      if (err instanceof InvalidInputError) throw err;
      throw new InvalidInputError(`engine snapshot is malformed: ${errorMessage(err)}`);
    }
  }
}
