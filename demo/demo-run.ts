/**
 * The embedded demo end to end: render the demo scenes, analyse each with the configured models
 * through the same pipeline `gridwatch run` uses, store a candidate case per violation with its
 * evidence (annotated frames, crop, clip) in an embedded store of its own, and report the cases.
 * Everything lives under one folder, so a demo never touches the user's real data.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createServices, type AppServices } from '../api/app-services.js';
import { openStore } from '../api/api-runtime.js';
import type { AppConfig } from '../common/app-config.js';
import { loadCategoryCodes } from '../cases/category-codes.js';
import { VideoFileFrameProvider } from '../evidence/frame-provider.js';
import { demoScenarios } from '../fixtures/scenarios/demo-scenarios.js';
import { renderScenario } from '../fixtures/scenarios/render-scenario.js';
import { scenarioRunInput } from '../fixtures/scenarios/run-scenario-suite.js';
import type { RenderedScenario, ScenarioDefinition } from '../fixtures/scenarios/scenario-types.js';
import { newestPerViolation, toCaseInput } from '../pipeline/case-input.js';
import { configuredModelChoice, PipelineModels } from '../pipeline/load-pipeline-models.js';
import { runVideoPipeline } from '../pipeline/run-video-pipeline.js';
import type { Database } from '../repositories/database-repository.js';
import { createObjectStorage } from '../storage/create-storage.js';
import { loadSourceConfig } from '../violations/config/source-config.js';

export interface DemoCase {
  id: string;
  scene: string;
  type: string;
  category: string;
  sourceId: string;
  zoneId: string | null;
  firstSeen: string;
  /** The source's IANA zone, for showing times as the city sees them. */
  timezone: string;
  dwellSeconds: number;
  confidence: number;
  location: { lat: number; lon: number } | null;
  evidence: number;
}

export interface DemoScene {
  name: string;
  summary: string;
  video: string;
  frames: number;
  seconds: number;
  cases: number;
}

export interface DemoResult {
  /** The configuration the demo store runs on: serve it with this to review the cases. */
  config: AppConfig;
  scenes: DemoScene[];
  cases: DemoCase[];
}

export interface DemoOptions {
  config: AppConfig;
  /** Everything the demo writes goes under here: scenes/, db/, evidence/. */
  outDir: string;
  /** Width of the rendered scenes (5:3); default 640. */
  width?: number;
  log?: (message: string) => void;
}

/** The configuration of the demo's own store: embedded, local evidence, no queues. */
export function demoConfig(config: AppConfig, outDir: string): AppConfig {
  return {
    ...config,
    dataDir: outDir,
    databaseUrl: undefined,
    redisUrl: undefined,
    storage: { kind: 'local' },
    camerasPerWorker: 0,
  };
}

export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const log = opts.log ?? (() => {});
  const config = demoConfig(opts.config, opts.outDir);
  const rendered: Array<{ def: ScenarioDefinition; scene: RenderedScenario }> = [];
  for (const def of demoScenarios()) {
    log(`rendering ${def.name}: ${def.summary}`);
    const scene = await renderScenario(def, {
      outDir: join(opts.outDir, 'scenes'),
      width: opts.width ?? 640,
    });
    rendered.push({ def, scene });
  }

  // A fresh store each run, so the table shows exactly what this run found.
  await rm(join(opts.outDir, 'db'), { recursive: true, force: true });
  await rm(join(opts.outDir, 'evidence'), { recursive: true, force: true });
  const codes = await loadCategoryCodes({ path: config.categoryCodesPath, regionCode: config.regionCode });
  const { db } = await openStore(config);
  const models = new PipelineModels(configuredModelChoice(config));
  try {
    const services = createServices(db, {
      codes,
      storage: createObjectStorage(config),
      dataDir: config.dataDir,
    });
    const scenes: DemoScene[] = [];
    const cases: DemoCase[] = [];
    for (const { def, scene } of rendered) {
      const t0 = performance.now();
      const found = await analyseScene(scene, models, services, log);
      scenes.push({
        name: scene.name,
        summary: def.summary,
        video: scene.video,
        frames: scene.frames.length,
        seconds: (performance.now() - t0) / 1000,
        cases: found.length,
      });
      cases.push(...found);
    }
    return { config, scenes, cases };
  } finally {
    await models.close();
    await closeQuietly(db);
  }
}

async function analyseScene(
  scene: RenderedScenario,
  models: PipelineModels,
  services: AppServices,
  log: (message: string) => void,
): Promise<DemoCase[]> {
  const source = await loadSourceConfig(scene.sourcePath);
  const stages = await models.forSource(source);
  log(
    `analysing ${scene.name} (${scene.frames.length} frames${scene.srtPath ? ', with its DJI SRT track' : ''})`,
  );
  const run = await runVideoPipeline(scenarioRunInput(scene, source), stages);
  const frames = new VideoFileFrameProvider(scene.video);
  const out: DemoCase[] = [];
  // Upsert then render, as the flight aggregate and evidence jobs do when scaled out.
  for (const event of newestPerViolation(run.events)) {
    const { case: c } = await services.cases.upsertFromViolation(toCaseInput(event, source));
    const evidence = await services.evidence.renderForViolation(
      c.id,
      event.violation,
      { ...source, analysisSize: { width: run.plan.frameWidth, height: run.plan.frameHeight } },
      frames,
    );
    for (const s of evidence.skipped) log(`case ${c.id}: no ${s.kind} evidence (${s.reason})`);
    out.push({
      id: c.id,
      scene: scene.name,
      type: c.type,
      category: c.category.fullCode ?? c.category.code,
      sourceId: c.sourceId,
      zoneId: c.zoneId,
      firstSeen: c.firstSeen,
      timezone: source.timezone,
      dwellSeconds: c.dwellSeconds,
      confidence: c.confidence,
      location: c.location,
      evidence: evidence.items.length,
    });
  }
  return out;
}

async function closeQuietly(db: Database): Promise<void> {
  await db.close().catch(() => {});
}
