import { readFile } from 'node:fs/promises';
import { Value } from '@sinclair/typebox/value';
import { InvalidInputError, errorMessage } from '../../common/errors.js';
import { homographyFrom4Points, latLonToGroundOffset, type LatLon } from '../../video/geo/index.js';
import { zonePolygonProblems } from './zone-checks.js';
import { resolveRules } from './rule-config.js';
import type { RuleParamsByType } from './rule-params.js';
import { isKnownTimeZone } from './schedule.js';
import {
  DEFAULT_TIMEZONE,
  SOURCE_KINDS,
  SourceConfigSchema,
  ZONE_TYPES,
  type RawSourceConfig,
  type SourceKind,
  type ZoneType,
} from './source-config-schema.js';

export interface Zone {
  id: string;
  name: string;
  type: ZoneType;
  /** Normalised image coordinates, [x, y] with x, y in [0, 1]. */
  polygon: [number, number][];
}

/** Four image points (normalised) and where they lie on the map; fixes a camera's ground plane. */
export interface GroundCalibration {
  image: [number, number][];
  ground: LatLon[];
}

/** A validated camera or drone-flight configuration with every default applied. */
export interface SourceConfig {
  id: string;
  name: string;
  kind: SourceKind;
  /** IANA zone for enforcement schedules. */
  timezone: string;
  position?: LatLon;
  calibration?: GroundCalibration;
  zones: Zone[];
  rules: RuleParamsByType;
}

function schemaErrors(value: unknown): string[] {
  const errors: string[] = [];
  for (const e of Value.Errors(SourceConfigSchema, value)) {
    errors.push(`${e.path || '/'}: ${e.message}`);
    if (errors.length >= 5) break;
  }
  return errors;
}

function zoneProblems(raw: RawSourceConfig): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const z of raw.zones ?? []) {
    if (seen.has(z.id)) problems.push(`zone id '${z.id}' is used twice`);
    seen.add(z.id);
    if (!(ZONE_TYPES as readonly string[]).includes(z.type)) {
      problems.push(`zone '${z.id}': unknown zone type '${z.type}' (known: ${ZONE_TYPES.join(', ')})`);
    }
    problems.push(...zonePolygonProblems(z.id, z.polygon));
  }
  return problems;
}

function calibrationProblems(cal: NonNullable<RawSourceConfig['calibration']>): string[] {
  const outside = cal.image.findIndex(([x, y]) => !(x >= 0 && x <= 1 && y >= 0 && y <= 1));
  if (outside >= 0) return [`calibration.image point ${outside + 1} is outside [0, 1]`];
  try {
    const origin = cal.ground[0]!;
    homographyFrom4Points(
      cal.image.map(([x, y]) => ({ x, y })),
      cal.ground.map((g) => {
        const o = latLonToGroundOffset(origin, g);
        return { x: o.eastM, y: o.northM };
      }),
    );
    return [];
  } catch (err) {
    return [`calibration: ${errorMessage(err)}`];
  }
}

/** Validates parsed JSON; `origin` names the file or caller in messages. */
export function parseSourceConfig(json: unknown, origin = 'source configuration'): SourceConfig {
  const fail = (problems: string[]): never => {
    throw new InvalidInputError(`invalid source configuration ${origin}: ${problems.join('; ')}`);
  };
  const errors = schemaErrors(json);
  if (errors.length > 0) fail(errors);
  const raw = json as RawSourceConfig;

  const problems: string[] = [];
  if (!(SOURCE_KINDS as readonly string[]).includes(raw.kind)) {
    problems.push(`kind '${raw.kind}' is not one of ${SOURCE_KINDS.join(', ')}`);
  }
  const timezone = raw.timezone ?? DEFAULT_TIMEZONE;
  if (!isKnownTimeZone(timezone)) problems.push(`timezone '${timezone}' is not a known IANA time zone`);
  problems.push(...zoneProblems(raw));
  if (raw.calibration) problems.push(...calibrationProblems(raw.calibration));
  const { rules, problems: ruleProblems } = resolveRules(raw.rules);
  problems.push(...ruleProblems);
  if (problems.length > 0) fail(problems);

  const config: SourceConfig = {
    id: raw.id,
    name: raw.name,
    kind: raw.kind as SourceKind,
    timezone,
    zones: (raw.zones ?? []).map((z) => ({
      id: z.id,
      name: z.name ?? z.id,
      type: z.type as ZoneType,
      polygon: z.polygon.map(([x, y]) => [x, y] as [number, number]),
    })),
    rules,
  };
  if (raw.position) config.position = { lat: raw.position.lat, lon: raw.position.lon };
  if (raw.calibration) {
    config.calibration = {
      image: raw.calibration.image.map(([x, y]) => [x, y] as [number, number]),
      ground: raw.calibration.ground.map((g) => ({ lat: g.lat, lon: g.lon })),
    };
  }
  return config;
}

export async function loadSourceConfig(path: string): Promise<SourceConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new InvalidInputError(`cannot read source configuration ${path}: ${errorMessage(err)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InvalidInputError(`source configuration ${path} is not valid JSON: ${errorMessage(err)}`);
  }
  return parseSourceConfig(json, path);
}
