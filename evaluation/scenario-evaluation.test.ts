import { describe, expect, it } from 'vitest';
import { scoreScenario, type ReportedViolation } from '../fixtures/scenarios/scenario-scoring.js';
import type { ExpectedViolation } from '../fixtures/scenarios/scenario-types.js';
import type { RuleType } from '../violations/violation-types.js';
import { scenarioSuiteFigures, violationTypeFigures, type ScoredScenario } from './scenario-evaluation.js';

const want = (type: RuleType, zoneId: string, startS: number, detectByS: number): ExpectedViolation => ({
  type,
  zoneId,
  startS,
  detectByS,
});

let n = 0;
const opened = (
  type: RuleType,
  zoneId: string,
  openedAtS: number,
  extra: Partial<ReportedViolation> = {},
) => ({
  id: `v${++n}`,
  type,
  zoneId,
  openedAtS,
  firstSeenS: openedAtS - 100,
  lastSeenS: openedAtS + 50,
  ...extra,
});

function scenario(
  name: string,
  rules: RuleType[],
  expected: ExpectedViolation[],
  reported: ReportedViolation[],
): ScoredScenario {
  return { name, rules, expected, score: scoreScenario(name, expected, reported) };
}

const PATCH = { lat: 31.2304, lon: 121.4737 };

const suite: ScoredScenario[] = [
  // Found in time (180 s after a stop at 20 s; limit 200 s).
  scenario(
    'park-a',
    ['illegal_parking'],
    [want('illegal_parking', 'bay', 20, 220)],
    [opened('illegal_parking', 'bay', 200)],
  ),
  // Found late (250 s after the start, limit 200 s).
  scenario(
    'park-b',
    ['illegal_parking'],
    [want('illegal_parking', 'bay', 0, 200)],
    [opened('illegal_parking', 'bay', 250)],
  ),
  // A true negative that fired: a false positive; and one that stayed silent.
  scenario('park-c', ['illegal_parking'], [], [opened('illegal_parking', 'bay', 190)]),
  scenario('park-d', ['illegal_parking'], [], []),
  // A vendor missed entirely, and a rubbish pile reported in the wrong zone (miss + false positive).
  scenario('vendor', ['street_vendor'], [want('street_vendor', 'walk', 30, 350)], []),
  scenario(
    'rubbish',
    ['garbage_pile'],
    [want('garbage_pile', 'walk', 20, 160)],
    [opened('garbage_pile', 'market', 140)],
  ),
  // A drone patch 3 m off with 10 % too much area.
  scenario(
    'soil',
    ['exposed_soil'],
    [{ ...want('exposed_soil', 'ground', 5, 12), ground: PATCH, areaM2: 100 }],
    [
      opened('exposed_soil', 'ground', 9, {
        ground: { lat: PATCH.lat + 3 / 111_195, lon: PATCH.lon },
        areaM2: 110,
      }),
    ],
  ),
];

describe('scenario figures per violation type', () => {
  it('counts true and false positives and misses per type, with precision and recall', () => {
    const parking = violationTypeFigures(suite, 'illegal_parking');
    expect(parking).toMatchObject({
      scenarios: 4,
      expected: 2,
      truePositives: 2,
      falsePositives: 1,
      falseNegatives: 0,
      recall: 1,
      late: 1,
      limitS: 200,
    });
    expect(parking.precision).toBeCloseTo(2 / 3, 10);
    expect(parking.meanTimeToDetectS).toBe((180 + 250) / 2);
    expect(parking.maxTimeToDetectS).toBe(250);

    const vendor = violationTypeFigures(suite, 'street_vendor');
    // Nothing reported: precision is undefined rather than a flattering 1.
    expect(vendor).toMatchObject({
      expected: 1,
      truePositives: 0,
      falseNegatives: 1,
      precision: null,
      recall: 0,
    });
    expect(vendor.meanTimeToDetectS).toBeNull();

    const rubbish = violationTypeFigures(suite, 'garbage_pile');
    expect(rubbish).toMatchObject({
      truePositives: 0,
      falsePositives: 1,
      falseNegatives: 1,
      precision: 0,
      recall: 0,
    });

    // A type no scenario exercised and nobody reported: no expected cases, no recall.
    expect(violationTypeFigures(suite, 'bin_overflow')).toMatchObject({
      scenarios: 0,
      recall: null,
      precision: null,
    });
  });

  it('sums the suite, lists only the types seen, and measures drone position and area errors', () => {
    const f = scenarioSuiteFigures(suite);
    expect(f.perType.map((t) => t.type)).toEqual([
      'illegal_parking',
      'street_vendor',
      'exposed_soil',
      'garbage_pile',
    ]);
    expect(f).toMatchObject({
      scenarios: 7,
      expected: 5,
      truePositives: 3,
      falsePositives: 2,
      falseNegatives: 2,
    });
    expect(f.precision).toBeCloseTo(3 / 5, 10);
    expect(f.recall).toBeCloseTo(3 / 5, 10);
    expect(f.dronePositionErrorM.n).toBe(1);
    expect(f.dronePositionErrorM.max).toBeCloseTo(3, 1);
    expect(f.droneAreaError.mean).toBeCloseTo(0.1, 10);
    const soil = f.perScenario.find((s) => s.name === 'soil')!;
    expect(soil.opened).toEqual(['exposed_soil@ground t=9s 110 m²']);
    expect(f.perScenario.find((s) => s.name === 'park-b')).toMatchObject({ matched: 1, late: 1 });
  });

  it('gives an empty suite a perfect, empty score', () => {
    const f = scenarioSuiteFigures([]);
    expect(f).toMatchObject({
      precision: 1,
      recall: 1,
      perType: [],
      dronePositionErrorM: { n: 0, mean: null },
    });
  });
});
