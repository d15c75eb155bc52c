import { describe, expect, it } from 'vitest';
import { scoreScenario } from '../fixtures/scenarios/scenario-scoring.js';
import { markdownTable, renderMarkdownReport } from './eval-report.js';
import type { EvalReport } from './eval-suite.js';
import { scenarioSuiteFigures } from './scenario-evaluation.js';

const figures = scenarioSuiteFigures([
  {
    name: 'parking-4min-in-bay',
    rules: ['illegal_parking'],
    expected: [{ type: 'illegal_parking', zoneId: 'bay', startS: 20, detectByS: 220 }],
    score: scoreScenario(
      'parking-4min-in-bay',
      [{ type: 'illegal_parking', zoneId: 'bay', startS: 20, detectByS: 220 }],
      [{ id: 'a', type: 'illegal_parking', zoneId: 'bay', openedAtS: 200, firstSeenS: 20, lastSeenS: 260 }],
    ),
  },
  {
    name: 'parking-stop-90s',
    rules: ['illegal_parking'],
    expected: [],
    score: scoreScenario('parking-stop-90s', [], []),
  },
]);

const report: EvalReport = {
  generatedAt: '2026-11-23T19:00:00.000Z',
  seed: 1,
  width: 640,
  scenarios: ['parking-4min-in-bay', 'parking-stop-90s'],
  bundled: {
    detector: { name: 'street-detector', version: '0.1.0' },
    segmenter: { name: 'soil-segmenter', version: '0.1.0' },
    figures,
    seconds: 12.5,
  },
  oracle: null,
  realMedia: {
    sharedDir: '/nowhere/shared/',
    skipped: '/nowhere/shared/ not found: the reference models and media are not checked out',
    checks: [],
    passed: 0,
    failed: 0,
    seconds: 0,
  },
  models: {
    scenes: 20,
    seed: 777,
    detector: {
      name: 'street-detector',
      version: '0.1.0',
      map50: 0.151,
      perClass: [
        {
          label: 'vehicle',
          ap: 0.4,
          groundTruth: 30,
          predictions: 50,
          bestF1: { f1: 0.5, precision: 0.5, recall: 0.5, score: 0.4 },
        },
      ],
      msPerFrame: 3,
    },
    segmenter: {
      name: 'soil-segmenter',
      version: '0.1.0',
      pixelAccuracy: 0.9,
      iou: { bare_soil: 0.7 },
      msPerFrame: 8,
    },
    seconds: 10,
  },
  seconds: 30,
};

describe('evaluation report in Markdown', () => {
  it('writes a table with a separator row and escapes pipes in cells', () => {
    expect(markdownTable(['a', 'b'], [['1', 'x|y']])).toBe('| a | b |\n| --- | --- |\n| 1 | x\\|y |');
  });

  it('has the per-type table, the total, the per-scenario table and the model figures', () => {
    const md = renderMarkdownReport(report);
    expect(md).toContain(
      '## Scenario suite, bundled models (street-detector 0.1.0, soil-segmenter 0.1.0; 12.5 s)',
    );
    expect(md).toContain('| illegal_parking | 2 | 1 | 1 | 0 | 0 | 1.00 | 1.00 | 180 | 180 | 200 | 0 |');
    expect(md).toContain('| **all** | 2 | 1 | 1 | 0 | 0 | 1.00 | 1.00 |  |  |  | 0 |');
    expect(md).toContain('| parking-4min-in-bay | 1 | 1 / 0 / 0 | illegal_parking@bay t=200s |');
    expect(md).toContain('| parking-stop-90s | 0 | 0 / 0 / 0 | – |');
    expect(md).toContain('Drone soil patches: none matched');
    expect(md).toContain('appearance seed 1');
    expect(md).toContain('**street-detector 0.1.0**: mAP50 0.151 on 20 scenes (seed 777)');
    expect(md).toContain('| vehicle | 0.400 | 30 | 50 | 0.500 | 0.40 |');
    expect(md).toContain('| bare_soil | 0.700 |');
    // No oracle run: no oracle section or column.
    expect(md).not.toContain('oracle stages');
    expect(md).not.toContain('oracle: found');
  });

  it('says why the real-media checks were skipped, and lists them with pass or FAIL when they ran', () => {
    expect(renderMarkdownReport(report)).toContain('**Skipped**: /nowhere/shared/ not found');
    const ran = renderMarkdownReport({
      ...report,
      seed: null,
      realMedia: {
        sharedDir: '/s/',
        checks: [
          {
            detector: 'yolox-nano-coco',
            check: 'vehicles ≥ 0.5',
            media: 'highway_cars.jpg',
            measured: 3,
            minimum: 3,
            unit: 'vehicles',
            pass: true,
            detail: '0.85 / 0.85 / 0.69',
          },
          {
            detector: 'yolox-nano-coco',
            check: 'frames with a vehicle',
            media: 'parking_lot_topdown.mp4 @ 1 fps',
            measured: 0.1,
            minimum: 0.5,
            unit: 'share of frames',
            pass: false,
          },
        ],
        passed: 1,
        failed: 1,
        seconds: 30,
      },
    });
    expect(ran).toContain('1 of 2 checks pass');
    expect(ran).toContain(
      '| yolox-nano-coco | highway_cars.jpg | vehicles ≥ 0.5 | 3 | ≥ 3 | pass | 0.85 / 0.85 / 0.69 |',
    );
    expect(ran).toContain('| 10.0 % | ≥ 50.0 % | **FAIL** |');
    expect(ran).toContain('the fixed catalogue seeds');
  });
});
