/*
 * Own parser, not npm dji_srt_parser 1.2.4. On ../shared/media/dji-srt both read all 6 samples, but it
 * always takes GPS(a, b) as (lon, lat) (Matrice 300 `GPS(36.6146,-6.1120,0.0M)` lands at lat -6.11), leaves
 * focal_len 240/280 unscaled, smooths positions by default, drops broken_incomplete.SRT's cut cue silently,
 * returns null for empty/non-SRT text, takes ~1.0 s vs ~0.3 s here on MAVIC3.srt, and needs moment-timezone.
 */
import { InvalidInputError } from '../../common/errors.js';
import { parseFNumber, parseFocalLen35mm, parseNumber, parseShutter } from './camera-units.js';
import { decideTupleOrder, type TupleOrder, type TupleSample } from './gps-tuple-order.js';
import { scanSrt, type SrtCue } from './srt-cues.js';
import { parseCueFields, type CueFields } from './srt-fields.js';
import { lastCueCut } from './srt-truncation.js';
import type { TelemetryDialect, TelemetryRecord, TelemetryTrack } from './telemetry-types.js';
import { describeJoins, looksLikeRadians } from './track-checks.js';

export interface ParseDjiSrtOptions {
  /** Names the input in errors and warnings (usually the file name). */
  source?: string;
}

interface Cue {
  cue: SrtCue;
  f: CueFields;
  gps?: [number, number];
  gpsThird?: string;
  home?: [number, number];
  named?: { lat: number; lon: number };
}

const DEG = 180 / Math.PI;

function firstNumber(values: Map<string, string>, ...keys: string[]): number | undefined {
  for (const k of keys) {
    const v = parseNumber(values.get(k));
    if (v !== undefined) return v;
  }
  return undefined;
}

function pair(parts: string[] | undefined): [number, number] | undefined {
  const a = parseNumber(parts?.[0]);
  const b = parseNumber(parts?.[1]);
  return a === undefined || b === undefined ? undefined : [a, b];
}

function tupleAngles(parts: string[] | undefined): { pitch?: number; roll?: number; yaw?: number } {
  // `F.PRY`/`G.PRY` are pitch, roll, yaw: in p4_rtk.SRT the drone flies course ≈ 21° with its nose
  // at 110°, i.e. sideways to its left, and the second value sits near -20° (a left roll) while
  // the first stays a few degrees.
  if (!parts) return {};
  const out: { pitch?: number; roll?: number; yaw?: number } = {};
  const [p, r, y] = parts.map(parseNumber);
  if (p !== undefined) out.pitch = p;
  if (r !== undefined) out.roll = r;
  if (y !== undefined) out.yaw = y;
  return out;
}

function orderPrior(cues: readonly Cue[]): { order: TupleOrder; reason: string } {
  const anyHome = cues.some((c) => c.home);
  const altitudeThird = cues.some((c) => c.gpsThird !== undefined && /^[-+]?[\d.]+\s*m$/i.test(c.gpsThird));
  if (altitudeThird && !anyHome) {
    return {
      order: 'lat,lon',
      reason: 'assumed (lat, lon): GPS(…, …, <altitude>M) without HOME is the Matrice 300 line format',
    };
  }
  return {
    order: 'lon,lat',
    reason: 'assumed (lon, lat), as Mavic Pro, Phantom 4 and Mavic Mini firmware write',
  };
}

function preread(cue: SrtCue): Cue {
  const f = parseCueFields(cue.body);
  const out: Cue = { cue, f };
  const gpsParts = f.tuples.get('gps') ?? f.tuples.get('rtk');
  const gps = pair(gpsParts);
  if (gps) {
    out.gps = gps;
    if (gpsParts![2] !== undefined) out.gpsThird = gpsParts![2];
  }
  const home = pair(f.tuples.get('home'));
  if (home) out.home = home;
  const lat = parseNumber(f.values.get('latitude'));
  const lon = parseNumber(f.values.get('longitude') ?? f.values.get('longtitude'));
  if (lat !== undefined && lon !== undefined) out.named = { lat, lon };
  return out;
}

function toRecord(c: Cue, order: TupleOrder, homeSwapped: boolean, radians: boolean): TelemetryRecord {
  const v = c.f.values;
  const rec: TelemetryRecord = { t: c.cue.startS };
  const set = <K extends keyof TelemetryRecord>(key: K, value: TelemetryRecord[K] | undefined): void => {
    if (value !== undefined) rec[key] = value;
  };
  // Rounded to the microsecond: the subtraction of two millisecond times leaves float noise.
  if (c.cue.endS > c.cue.startS) rec.durationS = Math.round((c.cue.endS - c.cue.startS) * 1e6) / 1e6;
  set('frame', firstNumber(v, 'framecnt', 'srtcnt'));
  set('time', c.f.time);

  if (c.named) {
    set('lat', radians ? c.named.lat * DEG : c.named.lat);
    set('lon', radians ? c.named.lon * DEG : c.named.lon);
  } else if (c.gps) {
    let [lat, lon] = order === 'lat,lon' ? c.gps : [c.gps[1], c.gps[0]];
    // Only a record whose own values prove the file-level order wrong overrides it.
    if (Math.abs(lat) > 90 && Math.abs(lon) <= 90) [lat, lon] = [lon, lat];
    set('lat', lat);
    set('lon', lon);
  }
  if (c.gpsThird !== undefined && /^\d+$/.test(c.gpsThird)) set('satellites', Number(c.gpsThird));
  if (c.home) {
    const [a, b] = homeSwapped ? [c.home[1], c.home[0]] : c.home;
    rec.home = order === 'lat,lon' ? { lat: a, lon: b } : { lat: b, lon: a };
  }

  set('relAlt', firstNumber(v, 'rel_alt'));
  set('absAlt', firstNumber(v, 'abs_alt'));
  set('height', firstNumber(v, 'h', 'altitude', 'barometer', 'hb'));
  set('distance', firstNumber(v, 'd'));

  const g = tupleAngles(c.f.tuples.get('g.pry'));
  set('gimbalPitch', firstNumber(v, 'gb_pitch') ?? g.pitch);
  set('gimbalYaw', firstNumber(v, 'gb_yaw') ?? g.yaw);
  set('gimbalRoll', firstNumber(v, 'gb_roll') ?? g.roll);
  const a = tupleAngles(c.f.tuples.get('f.pry'));
  set('aircraftPitch', firstNumber(v, 'drone_pitch') ?? a.pitch);
  set('aircraftYaw', firstNumber(v, 'drone_yaw') ?? a.yaw);
  set('aircraftRoll', firstNumber(v, 'drone_roll') ?? a.roll);

  set('focalLen35mm', parseFocalLen35mm(v.get('focal_len')));
  set('fNumber', parseFNumber(v.get('fnum') ?? v.get('f') ?? v.get('ir')));
  set('iso', firstNumber(v, 'iso'));
  set('shutter', parseShutter(v.get('shutter') ?? v.get('ss') ?? v.get('tv')));
  set('colorTemp', firstNumber(v, 'ct'));
  return rec;
}

/** DJI writes 0,0 until the GPS has a fix: that is "no position", not a point in the Gulf of Guinea. */
function dropNoFixPositions(cues: Cue[]): number {
  let n = 0;
  for (const c of cues) {
    if (c.named && c.named.lat === 0 && c.named.lon === 0) {
      delete c.named;
      n++;
    }
    if (c.gps && c.gps[0] === 0 && c.gps[1] === 0) {
      delete c.gps;
      n++;
    }
  }
  return n;
}

function resolveTupleOrder(cues: readonly Cue[]): {
  order: TupleOrder;
  homeSwapped: boolean;
  described?: NonNullable<TelemetryTrack['gpsTupleOrder']>;
  warnings: string[];
} {
  if (!cues.some((c) => c.gps || c.home)) return { order: 'lon,lat', homeSwapped: false, warnings: [] };
  const samples: TupleSample[] = cues.map((c) => {
    const s: TupleSample = {};
    if (c.gps) s.gps = c.gps;
    if (c.home) s.home = c.home;
    const d = parseNumber(c.f.values.get('d'));
    if (d !== undefined) s.distanceM = d;
    return s;
  });
  const decision = decideTupleOrder(samples, orderPrior(cues));
  const warnings: string[] = [];
  if (!decision.proven) warnings.push(`GPS tuple order not provable from the values; ${decision.basis}`);
  if (decision.contradictions > 0) {
    warnings.push(
      `${decision.contradictions} GPS/HOME tuples contradict the file's (${decision.order}) order`,
    );
  }
  if (decision.homeSwapped) warnings.push('HOME tuples are written in the opposite order to GPS tuples');
  return {
    order: decision.order,
    homeSwapped: decision.homeSwapped,
    described: { order: decision.order, basis: decision.basis },
    warnings,
  };
}

function formatOf(cues: readonly Cue[]): string {
  const counts = new Map<TelemetryDialect, number>();
  for (const c of cues) if (c.f.dialect) counts.set(c.f.dialect, (counts.get(c.f.dialect) ?? 0) + 1);
  return (
    [...counts]
      .sort((x, y) => y[1] - x[1])
      .map(([d]) => d)
      .join('+') || 'unknown'
  );
}

/**
 * Parses a DJI flight-record subtitle file (any dialect in the brief) into time-stamped records.
 * Throws InvalidInputError for an empty or non-SubRip input; everything recoverable (a cut-off
 * tail, missing positions, an unprovable GPS order) is a warning on the track.
 */
export function parseDjiSrt(text: string, opts: ParseDjiSrtOptions = {}): TelemetryTrack {
  const source = opts.source ?? 'SRT text';
  if (typeof text !== 'string') throw new InvalidInputError(`${source}: telemetry must be text`);
  if (text.replace(/\uFEFF/g, '').trim() === '') {
    throw new InvalidInputError(`${source}: empty file, no DJI telemetry cues`);
  }
  const scan = scanSrt(text);
  if (scan.cues.length === 0) {
    const hint = text.includes('\u0000') ? ' (NUL bytes: UTF-16 text read as UTF-8?)' : '';
    throw new InvalidInputError(
      `${source}: not a SubRip subtitle file: no "HH:MM:SS,mmm --> HH:MM:SS,mmm" cue found${hint}`,
    );
  }

  const warnings: string[] = [];
  let cues = scan.cues.map(preread);
  const cut = lastCueCut(
    scan.cues,
    cues.map((c) => c.f),
    scan.endsWithNewline,
  );
  if (cut !== undefined) {
    const last = cues[cues.length - 1]!.cue;
    cues = cues.slice(0, -1);
    warnings.push(
      `${source}: file is cut off: last cue${last.number === undefined ? '' : ` ${last.number}`} ` +
        `(line ${last.line}, t=${last.startS.toFixed(3)} s) is incomplete because ${cut}; ` +
        `dropped it and kept the ${cues.length} complete records`,
    );
  }
  if (scan.trailing.length > 0) {
    const text = scan.trailing.join(' ').slice(0, 60);
    warnings.push(`${source}: file is cut off after the last cue: ignored trailing "${text}"`);
  }
  if (scan.strayLines > 0) warnings.push(`${source}: ignored ${scan.strayLines} lines outside any cue`);

  const before = cues.length;
  cues = cues.filter((c) => c.f.values.size > 0 || c.f.tuples.size > 0 || c.f.time !== undefined);
  if (cues.length < before) {
    warnings.push(`${source}: ${before - cues.length} cues carry no telemetry fields and were skipped`);
  }

  const noFix = dropNoFixPositions(cues);
  if (noFix > 0) {
    warnings.push(`${source}: ${noFix} records have position 0,0 (no GPS fix yet); dropped those positions`);
  }
  const radians = looksLikeRadians(cues.flatMap((c) => (c.named ? [c.named] : [])));
  if (radians) {
    warnings.push(
      `${source}: latitude/longitude are written in radians (firmware bug); converted to degrees`,
    );
  }

  const tuple = resolveTupleOrder(cues);
  for (const w of tuple.warnings) warnings.push(`${source}: ${w}`);

  const records = cues.map((c) => toRecord(c, tuple.order, tuple.homeSwapped, radians));
  if (records.some((r, i) => i > 0 && r.t < records[i - 1]!.t)) {
    records.sort((a, b) => a.t - b.t);
    warnings.push(`${source}: cue times are out of order; records sorted by time`);
  }

  const withPos = records.filter((r) => r.lat !== undefined).length;
  if (withPos === 0) {
    warnings.push(`${source}: no record has a position (this model/firmware writes none)`);
  } else if (withPos < records.length) {
    warnings.push(`${source}: ${records.length - withPos} of ${records.length} records have no position`);
  }
  const joins = describeJoins(records);
  if (joins) warnings.push(`${source}: ${joins}`);

  return {
    records,
    warnings,
    hasPositions: withPos > 0,
    format: formatOf(cues),
    ...(tuple.described ? { gpsTupleOrder: tuple.described } : {}),
  };
}
