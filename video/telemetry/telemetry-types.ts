/**
 * One telemetry sample as a DJI subtitle cue describes it. Every field except `t` is optional
 * because each model/firmware writes a different subset; absent means "not written", never 0.
 */
export interface TelemetryRecord {
  /** Seconds from the start of the video: the cue start, which is what frame timestamps align to. */
  t: number;
  durationS?: number;
  /** FrameCnt/SrtCnt as written; not unique when clips were joined (the counter restarts). */
  frame?: number;
  /** Drone-local wall clock, `YYYY-MM-DDTHH:MM:SS[.ffffff]`, no zone: DJI writes none. */
  time?: string;
  lat?: number;
  lon?: number;
  /** Above the take-off point, not above the ground below the drone. */
  relAlt?: number;
  /** Barometric. */
  absAlt?: number;
  /** `H`, `altitude`, `BAROMETER` or `Hb`: a height whose reference the file does not state. */
  height?: number;
  gimbalPitch?: number;
  gimbalYaw?: number;
  gimbalRoll?: number;
  aircraftPitch?: number;
  aircraftYaw?: number;
  aircraftRoll?: number;
  focalLen35mm?: number;
  fNumber?: number;
  iso?: number;
  /** `1/<denominator>` or as written; bare numbers in old dialects are denominators. */
  shutter?: string;
  colorTemp?: number;
  /** `D`: horizontal distance from the home point, metres. */
  distance?: number;
  home?: { lat: number; lon: number };
  satellites?: number;
}

export type TelemetryDialect = 'bracketed' | 'comma-list' | 'line';

export interface TelemetryTrack {
  /** Sorted by `t`. */
  records: TelemetryRecord[];
  warnings: string[];
  hasPositions: boolean;
  /** Dialect(s) seen, e.g. `bracketed` or `comma-list+line` for a file mixing them. */
  format: string;
  /** How the unnamed `GPS(a, b, …)` tuples were read, when the file has any. */
  gpsTupleOrder?: { order: 'lon,lat' | 'lat,lon'; basis: string };
}
