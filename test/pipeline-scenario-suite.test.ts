/**
 * The scenario suite through the real pipeline: scripted scenes rendered and encoded to H.264 by
 * real ffmpeg, decoded by the real frame source, drone telemetry parsed from the written DJI SRT,
 * and the real violation engine. The detector and soil segmenter are *oracles* that read each
 * rendered frame's ground truth. That is deliberate: it isolates tracker, rules, dedupe and the
 * video plumbing from model accuracy. The same suite with the bundled model is the model's
 * end-to-end evaluation (`runScenarioSuite` with a real detector).
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaseService } from '../cases/case-service.js';
import { loadCategoryCodes } from '../cases/category-codes.js';
import { runVideoPipeline } from '../pipeline/run-video-pipeline.js';
import { migrate } from '../repositories/database-migrations.js';
import { openScratchDatabase, type ScratchDatabase } from '../repositories/database-scratch.js';
import {
  runScenario,
  runScenarioSuite,
  scenarioRunInput,
  type SuiteResult,
} from '../fixtures/scenarios/run-scenario-suite.js';
import { oracleDetector, oracleSegmenter } from '../fixtures/scenarios/scenario-oracle.js';
import { reportedViolations } from '../fixtures/scenarios/scenario-scoring.js';
import { loadSourceConfig } from '../violations/config/source-config.js';
import { ffmpegCli, tempDir } from './support/video-fixtures.js';

// Rendered videos are cached across runs (keyed by a hash of their content); small frames keep
// the first render to a few seconds per scenario on two cores.
const CACHE = join(tmpdir(), 'gridwatch-scenarios-test');
const WIDTH = 320;

let suite: SuiteResult;

beforeAll(async () => {
  suite = await runScenarioSuite({
    detector: oracleDetector,
    segmenter: oracleSegmenter,
    width: WIDTH,
    cacheDir: CACHE,
  });
}, 600_000);

function result(name: string) {
  const r = suite.results.find((x) => x.scenario.name === name);
  if (!r) throw new Error(`scenario ${name} did not run`);
  return r;
}

describe('scenario suite with oracle detections (real decode, real engine)', () => {
  it('reports every expected violation and nothing else: precision 1.0, recall 1.0', () => {
    const s = suite.score;
    expect(s.scenarios).toBeGreaterThanOrEqual(12);
    const wrong = suite.results
      .filter((r) => r.score.misses.length || r.score.falsePositives.length)
      .map((r) => ({
        name: r.scenario.name,
        misses: r.score.misses,
        falsePositives: r.score.falsePositives,
      }));
    expect(wrong).toEqual([]);
    expect(s.precision).toBe(1);
    expect(s.recall).toBe(1);
    expect(s.truePositives).toBe(s.expected);
    // True negatives are in the suite, and stayed silent.
    expect(suite.results.filter((r) => r.scenario.expected.length === 0).length).toBeGreaterThanOrEqual(6);
  });

  it('opens each violation within its threshold plus two sampling intervals', () => {
    const late = suite.results.flatMap((r) =>
      r.score.matches
        .filter((m) => !m.onTime)
        .map((m) => ({ name: r.scenario.name, at: m.reported.openedAtS, by: m.expected.detectByS })),
    );
    expect(late).toEqual([]);
    const parking = result('parking-4min-in-bay').score.matches[0]!;
    expect(parking.timeToDetectS).toBeGreaterThanOrEqual(180);
    expect(parking.timeToDetectS).toBeLessThanOrEqual(180 + 2 * 10);
  });

  it('drone: one violation per soil patch, area within 15 %, position within 5 m', () => {
    const r = result('soil-drone-two-patches');
    const opened = r.events.filter((e) => e.kind === 'opened');
    expect(opened).toHaveLength(2);
    expect(new Set(r.events.map((e) => e.violation.id)).size).toBe(2);
    for (const m of r.score.matches) {
      expect(m.areaError!).toBeLessThanOrEqual(0.15);
      expect(m.groundErrorM!).toBeLessThanOrEqual(5);
    }
    expect(result('soil-drone-netted-site').events).toEqual([]);
    // Telemetry drove the pose on every frame.
    expect(r.diagnostics?.soilWithoutPose).toBe(0);
    expect(r.warnings).toEqual([]);
  });

  it('gives wall-clock case times from the scenario start in the source zone', () => {
    const e = result('parking-4min-in-bay').events.find((x) => x.kind === 'opened')!;
    // Monday 10:00 Shanghai = 02:00 UTC; the car stopped at 20 s.
    expect(e.firstSeenAt).toBe('2024-01-08T02:00:20.000Z');
    expect(e.evidenceFrames.map((f) => f.role)).toEqual(['start', 'threshold', 'best']);
    expect(e.evidenceFrames[0]!.ptsS).toBe(20);
  });
});

describe('pipeline plumbing on rendered scenarios', () => {
  it('merges segments analysed in parallel into the same events as one pass', async () => {
    const r = result('parking-present-at-start');
    const source = await loadSourceConfig(r.scenario.sourcePath);
    const split = await runVideoPipeline(
      { ...scenarioRunInput(r.scenario, source), segmentCount: 3, concurrency: 2 },
      { detector: oracleDetector(r.scenario) },
    );
    expect(split.plan.segments).toHaveLength(3);
    expect(split.segments.reduce((n, s) => n + s.stats.analysed, 0)).toBe(r.scenario.frames.length);
    const brief = (events: typeof r.events) =>
      events.map((e) => [e.kind, e.violation.id, e.violation.lastSeenS, e.firstSeenAt]);
    expect(brief(split.events)).toEqual(brief(r.events));
  });

  it("reads drone telemetry from the video's own subtitle track", async () => {
    const r = result('soil-drone-two-patches').scenario;
    const muxed = join(tempDir('gridwatch-muxed-'), 'flight.mp4');
    await ffmpegCli([
      '-i',
      r.video,
      '-i',
      r.srtPath!,
      '-map',
      '0:v',
      '-map',
      '1',
      '-c:v',
      'copy',
      '-c:s',
      'mov_text',
      muxed,
    ]);
    const run = await runScenario(
      { ...r, video: muxed, srtPath: null },
      { detector: oracleDetector, segmenter: oracleSegmenter },
    );
    expect(run.score.matches).toHaveLength(2);
    expect(run.score.falsePositives).toEqual([]);
    expect(run.scenario.expected).toHaveLength(2);
    const areas = reportedViolations(run.events).map((v) => Math.round(v.areaM2!));
    const fromSidecar = reportedViolations(result('soil-drone-two-patches').events).map((v) =>
      Math.round(v.areaM2!),
    );
    expect(areas).toEqual(fromSidecar);
  });

  describe('into the case store', () => {
    let scratch: ScratchDatabase;
    let cases: CaseService;
    beforeAll(async () => {
      scratch = await openScratchDatabase('pglite');
      await migrate(scratch.db);
      cases = new CaseService(scratch.db, await loadCategoryCodes({}));
    });
    afterAll(async () => {
      await scratch?.dispose();
    });

    it('stores each violation once as a candidate case, and a rerun creates nothing new', async () => {
      const r = result('bin-fills-up').scenario;
      const opts = { detector: oracleDetector, cases };
      const first = await runScenario(r, opts);
      expect(first.score.matches).toHaveLength(1);
      const again = await runScenario(r, opts);
      expect(again.events.map((e) => e.violation.id)).toEqual(first.events.map((e) => e.violation.id));
      const page = await cases.list({});
      expect(page.items).toHaveLength(1);
      expect(page.items[0]).toMatchObject({
        type: 'bin_overflow',
        status: 'candidate',
        sourceId: 'cam-renmin-01',
        zoneId: 'bins',
        model: { name: 'scenario-oracle', version: '1' },
        firstSeen: expect.stringMatching(/^2024-01-08T02:01:00/),
      });
    });
  });
});
