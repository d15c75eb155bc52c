/**
 * Scenario suite figures per violation type: how many expected cases were opened (recall), how
 * many opened cases were wrong (precision), how long after the condition began they opened, and
 * for drone soil patches how far off the reported ground position and area were. Pure: it takes
 * the scored scenarios and returns numbers, so it is tested without rendering anything.
 */
import type { ScenarioScore } from '../fixtures/scenarios/scenario-scoring.js';
import type { ExpectedViolation } from '../fixtures/scenarios/scenario-types.js';
import { RULE_TYPES, type RuleType } from '../violations/violation-types.js';

export interface ViolationTypeFigures {
  type: RuleType;
  /** Scenarios that exercise this rule (positives and negatives). */
  scenarios: number;
  expected: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  /** null when nothing of this type was reported (no opened case to be right or wrong about). */
  precision: number | null;
  /** null when no case of this type was expected. */
  recall: number | null;
  /** Seconds from the condition's start to the case opening, over the matched cases. */
  meanTimeToDetectS: number | null;
  maxTimeToDetectS: number | null;
  /** Largest allowed time to detect (threshold plus two sampling intervals) among the expected. */
  limitS: number | null;
  /** Matched but opened after the limit. */
  late: number;
}

export interface ErrorSummary {
  n: number;
  mean: number | null;
  max: number | null;
}

export interface ScenarioEvalRow {
  name: string;
  expected: number;
  matched: number;
  falsePositives: number;
  misses: number;
  late: number;
  /** Opened cases as `type@zone t=…s`, for reading a failure without the JSON. */
  opened: string[];
}

export interface ScenarioSuiteFigures {
  scenarios: number;
  expected: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
  perType: ViolationTypeFigures[];
  /** Drone patches: ground position error in metres, area error as a fraction of the true area. */
  dronePositionErrorM: ErrorSummary;
  droneAreaError: ErrorSummary;
  perScenario: ScenarioEvalRow[];
}

/** What the figures need of one scenario: its rules, expectations and score. */
export interface ScoredScenario {
  name: string;
  rules: readonly RuleType[];
  expected: readonly ExpectedViolation[];
  score: ScenarioScore;
}

function summary(values: readonly number[]): ErrorSummary {
  if (values.length === 0) return { n: 0, mean: null, max: null };
  return {
    n: values.length,
    mean: values.reduce((a, b) => a + b, 0) / values.length,
    max: Math.max(...values),
  };
}

/** Types in the suite's rule order: every rule a scenario exercises or a case was opened for. */
function typesSeen(scenarios: readonly ScoredScenario[]): RuleType[] {
  const seen = new Set<RuleType>();
  for (const s of scenarios) {
    s.rules.forEach((r) => seen.add(r));
    s.expected.forEach((e) => seen.add(e.type));
    s.score.falsePositives.forEach((f) => seen.add(f.type));
  }
  return RULE_TYPES.filter((t) => seen.has(t));
}

export function violationTypeFigures(
  scenarios: readonly ScoredScenario[],
  type: RuleType,
): ViolationTypeFigures {
  const matches = scenarios.flatMap((s) => s.score.matches.filter((m) => m.expected.type === type));
  const fp = scenarios.reduce((n, s) => n + s.score.falsePositives.filter((f) => f.type === type).length, 0);
  const fn = scenarios.reduce((n, s) => n + s.score.misses.filter((m) => m.type === type).length, 0);
  const expected = scenarios.flatMap((s) => s.expected.filter((e) => e.type === type));
  const ttd = summary(matches.map((m) => m.timeToDetectS));
  const tp = matches.length;
  return {
    type,
    scenarios: scenarios.filter((s) => s.rules.includes(type)).length,
    expected: expected.length,
    truePositives: tp,
    falsePositives: fp,
    falseNegatives: fn,
    precision: tp + fp === 0 ? null : tp / (tp + fp),
    recall: expected.length === 0 ? null : tp / expected.length,
    meanTimeToDetectS: ttd.mean,
    maxTimeToDetectS: ttd.max,
    limitS: expected.length ? Math.max(...expected.map((e) => e.detectByS - e.startS)) : null,
    late: matches.filter((m) => !m.onTime).length,
  };
}

export function scenarioSuiteFigures(scenarios: readonly ScoredScenario[]): ScenarioSuiteFigures {
  const matches = scenarios.flatMap((s) => s.score.matches);
  const tp = matches.length;
  const fp = scenarios.reduce((n, s) => n + s.score.falsePositives.length, 0);
  const fn = scenarios.reduce((n, s) => n + s.score.misses.length, 0);
  return {
    scenarios: scenarios.length,
    expected: tp + fn,
    truePositives: tp,
    falsePositives: fp,
    falseNegatives: fn,
    // As in scoreSuite: an empty denominator is a perfect score.
    precision: tp + fp === 0 ? 1 : tp / (tp + fp),
    recall: tp + fn === 0 ? 1 : tp / (tp + fn),
    perType: typesSeen(scenarios).map((t) => violationTypeFigures(scenarios, t)),
    dronePositionErrorM: summary(
      matches.flatMap((m) => (m.groundErrorM === undefined ? [] : [m.groundErrorM])),
    ),
    droneAreaError: summary(matches.flatMap((m) => (m.areaError === undefined ? [] : [m.areaError]))),
    perScenario: scenarios.map((s) => ({
      name: s.name,
      expected: s.expected.length,
      matched: s.score.matches.length,
      falsePositives: s.score.falsePositives.length,
      misses: s.score.misses.length,
      late: s.score.matches.filter((m) => !m.onTime).length,
      opened: [...s.score.matches.map((m) => m.reported), ...s.score.falsePositives]
        .sort((a, b) => a.openedAtS - b.openedAtS)
        .map(
          (r) =>
            `${r.type}@${r.zoneId} t=${Math.round(r.openedAtS)}s` +
            (r.areaM2 === undefined ? '' : ` ${Math.round(r.areaM2)} m²`),
        ),
    })),
  };
}
