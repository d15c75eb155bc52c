/**
 * `gridwatch eval suite` (`npm run eval`): the end-to-end evaluation in one report.
 *
 * 1. The scripted scenario suite, its appearance drawn from a fresh seed, through the real
 *    pipeline with the bundled detector and soil segmenter: per violation type precision, recall
 *    and time to detect; drone patch position and area errors. Optionally the same renders with
 *    the oracle stages, which separates what the rules get wrong from what the models miss.
 * 2. The reference COCO detectors in ../shared on real photos and video, against stated minimums.
 * 3. The bundled models' `eval model` figures on held-out synthetic scenes (mAP50, IoU per class).
 */
import { Detector } from '../detector/detector.js';
import { Segmenter } from '../detector/segmenter.js';
import { DEFAULT_SCENARIO_CACHE, runScenarioSuite } from '../fixtures/scenarios/run-scenario-suite.js';
import { scenarioCatalogue } from '../fixtures/scenarios/scenario-catalogue.js';
import { oracleDetector, oracleSegmenter } from '../fixtures/scenarios/scenario-oracle.js';
import { BUNDLED_DETECTOR, BUNDLED_SEGMENTER } from '../pipeline/load-pipeline-models.js';
import { detectorStage, segmenterStage } from '../pipeline/model-stages.js';
import { evaluateDetector, evaluateSegmenter } from './model-evaluation.js';
import { runRealMediaChecks, type RealMediaResult } from './real-media-checks.js';
import {
  scenarioSuiteFigures,
  type ScenarioSuiteFigures,
  type ScoredScenario,
} from './scenario-evaluation.js';
import type { ClassAp } from './detection-metrics.js';

export interface EvalSuiteOptions {
  /** Appearance seed of the scenarios; undefined: the catalogue's fixed renders. */
  seed: number | undefined;
  /** Scenario frame width (5:3). */
  width: number;
  cacheDir?: string;
  only?: readonly string[];
  /** Also run the scenarios with the oracle stages. */
  oracle: boolean;
  /** Run the real-media checks (skipped with a reason when ../shared is missing). */
  realMedia: boolean;
  sharedDir?: string;
  /** Held-out scenes for the bundled models' figures (0: skip them), and their seed. */
  modelScenes: number;
  modelSeed: number;
  threads: number;
  onProgress?: (line: string) => void;
}

export interface ModelRef {
  name: string;
  version: string;
}

export interface SuiteRun {
  detector: ModelRef;
  segmenter: ModelRef | null;
  figures: ScenarioSuiteFigures;
  seconds: number;
}

export interface ModelFigures {
  scenes: number;
  seed: number;
  detector: (ModelRef & { map50: number; perClass: ClassAp[]; msPerFrame: number }) | null;
  segmenter: (ModelRef & { pixelAccuracy: number; iou: Record<string, number>; msPerFrame: number }) | null;
  seconds: number;
}

export interface EvalReport {
  generatedAt: string;
  /** null: the catalogue's fixed seeds. */
  seed: number | null;
  width: number;
  scenarios: string[];
  bundled: SuiteRun;
  oracle: SuiteRun | null;
  realMedia: (RealMediaResult & { seconds: number }) | null;
  models: ModelFigures | null;
  seconds: number;
}

const seconds = (t0: number) => Math.round((performance.now() - t0) / 100) / 10;

export async function runEvalSuite(o: EvalSuiteOptions): Promise<EvalReport> {
  const t0 = performance.now();
  const log = o.onProgress ?? (() => {});
  const scenarios = scenarioCatalogue(o.seed);
  const detector = await Detector.load(BUNDLED_DETECTOR, { intraOpThreads: o.threads });
  const segmenter = await Segmenter.load(BUNDLED_SEGMENTER, { intraOpThreads: o.threads });
  try {
    const common = {
      scenarios,
      width: o.width,
      cacheDir: o.cacheDir ?? DEFAULT_SCENARIO_CACHE,
      ...(o.only ? { only: o.only } : {}),
    };
    const scored = (rs: Awaited<ReturnType<typeof runScenarioSuite>>): ScoredScenario[] =>
      rs.results.map((r) => ({
        name: r.scenario.name,
        rules: r.scenario.rules,
        expected: r.scenario.expected,
        score: r.score,
      }));

    let t = performance.now();
    const dm = detector.manifest;
    const sm = segmenter.manifest;
    const bundledRun = await runScenarioSuite({
      ...common,
      detector: detectorStage(detector),
      segmenter: segmenterStage(segmenter),
      onScenario: (r) => log(`scenario ${r.scenario.name} (bundled models): ${describe(r.score)}`),
    });
    const bundled: SuiteRun = {
      detector: { name: dm.name, version: dm.version },
      segmenter: { name: sm.name, version: sm.version },
      figures: scenarioSuiteFigures(scored(bundledRun)),
      seconds: seconds(t),
    };

    let oracle: SuiteRun | null = null;
    if (o.oracle) {
      t = performance.now();
      const run = await runScenarioSuite({
        ...common,
        detector: oracleDetector,
        segmenter: oracleSegmenter,
        onScenario: (r) => log(`scenario ${r.scenario.name} (oracle): ${describe(r.score)}`),
      });
      oracle = {
        detector: { name: 'scenario-oracle', version: '1' },
        segmenter: { name: 'scenario-oracle', version: '1' },
        figures: scenarioSuiteFigures(scored(run)),
        seconds: seconds(t),
      };
    }

    let realMedia: EvalReport['realMedia'] = null;
    if (o.realMedia) {
      t = performance.now();
      const r = await runRealMediaChecks({
        threads: o.threads,
        onProgress: log,
        ...(o.sharedDir ? { sharedDir: o.sharedDir } : {}),
      });
      if (r.skipped) log(`real media skipped: ${r.skipped}`);
      realMedia = { ...r, seconds: seconds(t) };
    }

    let models: ModelFigures | null = null;
    if (o.modelScenes > 0) {
      t = performance.now();
      const opts = {
        n: o.modelScenes,
        seed: o.modelSeed,
        onProgress: (done: number) => {
          if (done % 50 === 0) log(`  held-out scenes ${done}/${o.modelScenes}`);
        },
      };
      log(`eval model ${dm.name} on ${o.modelScenes} held-out scenes`);
      const d = await evaluateDetector(detector, opts);
      log(`eval model ${sm.name} on ${o.modelScenes} held-out scenes`);
      const s = await evaluateSegmenter(segmenter, opts);
      models = {
        scenes: o.modelScenes,
        seed: o.modelSeed,
        detector: {
          name: d.model,
          version: d.version,
          map50: d.map50,
          perClass: d.details,
          msPerFrame: d.inferenceMsPerFrame,
        },
        segmenter: {
          name: s.model,
          version: s.version,
          pixelAccuracy: s.pixelAccuracy,
          iou: s.iou,
          msPerFrame: s.inferenceMsPerFrame,
        },
        seconds: seconds(t),
      };
    }

    return {
      generatedAt: new Date().toISOString(),
      seed: o.seed ?? null,
      width: o.width,
      scenarios: bundledRun.results.map((r) => r.scenario.name),
      bundled,
      oracle,
      realMedia,
      models,
      seconds: seconds(t0),
    };
  } finally {
    await detector.close();
    await segmenter.close();
  }
}

function describe(s: { matches: unknown[]; falsePositives: unknown[]; misses: unknown[] }): string {
  return `${s.matches.length} found, ${s.misses.length} missed, ${s.falsePositives.length} false`;
}
