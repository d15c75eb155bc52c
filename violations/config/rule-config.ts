import { Value } from '@sinclair/typebox/value';
import { RULE_TYPES, type RuleType } from '../violation-types.js';
import { RULE_DEFAULTS, RULE_PARAM_SCHEMAS, type RuleParamsByType } from './rule-params.js';
import { parseTimeOfDay, WEEKDAYS, type ScheduleWindow, type Weekday } from './schedule.js';

function isRuleType(s: string): s is RuleType {
  return (RULE_TYPES as readonly string[]).includes(s);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

interface RawWindow {
  days?: string[];
  start: string;
  end: string;
}

function scheduleProblems(where: string, windows: readonly RawWindow[]): string[] {
  const problems: string[] = [];
  windows.forEach((w, i) => {
    const at = `${where}.schedule[${i}]`;
    for (const d of w.days ?? []) {
      if (!(WEEKDAYS as readonly string[]).includes(d)) {
        problems.push(`${at}.days: unknown day '${d}' (known: ${WEEKDAYS.join(', ')})`);
      }
    }
    const start = parseTimeOfDay(w.start, false);
    const end = parseTimeOfDay(w.end, true);
    if (start === null) problems.push(`${at}.start: '${w.start}' is not a time of day (HH:MM, 00:00–23:59)`);
    if (end === null) problems.push(`${at}.end: '${w.end}' is not a time of day (HH:MM, 00:00–24:00)`);
    if (start !== null && end !== null && start === end) {
      problems.push(`${at}: start and end are both '${w.start}'; use 00:00–24:00 for a whole day`);
    }
  });
  return problems;
}

function resolveSchedule(windows: readonly RawWindow[]): ScheduleWindow[] {
  return windows.map((w) => ({
    days: (w.days ?? [...WEEKDAYS]) as Weekday[],
    start: w.start,
    end: w.end,
  }));
}

/**
 * Validates `rules` from a source configuration and fills in defaults. Every rule is on unless it
 * says `"enabled": false`; the zones decide where it can fire.
 */
export function resolveRules(raw: Record<string, unknown> | undefined): {
  rules: RuleParamsByType;
  problems: string[];
} {
  const problems: string[] = [];
  const rules = structuredClone(RULE_DEFAULTS) as RuleParamsByType;
  for (const [name, value] of Object.entries(raw ?? {})) {
    const where = `rules.${name}`;
    if (!isRuleType(name)) {
      problems.push(`unknown rule '${name}' (known: ${RULE_TYPES.join(', ')})`);
      continue;
    }
    if (!isRecord(value)) {
      problems.push(`${where} must be an object of parameters`);
      continue;
    }
    const schemas = RULE_PARAM_SCHEMAS[name];
    const known = Object.keys(schemas);
    let ok = true;
    for (const [param, v] of Object.entries(value)) {
      const schema = schemas[param];
      if (!schema) {
        problems.push(`${where}: unknown parameter '${param}' (known: ${known.join(', ')})`);
        ok = false;
        continue;
      }
      const first = Value.Errors(schema, v).First();
      if (first) {
        problems.push(`${where}.${param}${first.path}: ${first.message}`);
        ok = false;
      }
    }
    if (!ok) continue;
    const windows = value.schedule as RawWindow[] | undefined;
    if (windows) {
      const bad = scheduleProblems(where, windows);
      if (bad.length > 0) {
        problems.push(...bad);
        continue;
      }
    }
    const target = rules[name] as unknown as Record<string, unknown>;
    for (const [param, v] of Object.entries(value)) target[param] = v;
    if (windows) target.schedule = resolveSchedule(windows);
  }
  return { rules, problems };
}
