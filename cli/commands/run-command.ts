import { parseArgs } from 'node:util';
import { openStore } from '../../api/api-runtime.js';
import { loadCategoryCodes } from '../../cases/category-codes.js';
import { CaseService } from '../../cases/case-service.js';
import { PipelineModels } from '../../pipeline/load-pipeline-models.js';
import type {
  FrameDetector,
  FrameSegmenter,
  PipelineEvent,
  PipelineLogger,
  ProgressCallback,
} from '../../pipeline/pipeline-types.js';
import { runVideoPipeline, type CaseSink } from '../../pipeline/run-video-pipeline.js';
import type { Database } from '../../repositories/database-repository.js';
import { configureMedia } from '../../repositories/media-repository.js';
import { loadSourceConfig } from '../../violations/config/source-config.js';
import { positiveOption, UsageError, type Command, type CommandIo } from '../command.js';

const usage = `gridwatch run <video> --source <source.json> [options]

Runs the whole pipeline on one video file in this process: decode at the sampling rate, detect,
track, apply the source's zones and rules, and store each violation as a candidate case.

Options:
  --source <file>            camera or drone-flight configuration (JSON)            (required)
  --model <manifest>         detector manifest or models/ name (default: GRIDWATCH_DETECTOR_MODEL,
                             else the bundled street detector)
  --weights <file>           ONNX weights overriding the detector manifest's
  --segmenter <manifest>     soil segmenter for exposed_soil (default: GRIDWATCH_SEGMENTER_MODEL, else
                             the bundled one, if present)
  --segmenter-weights <file> ONNX weights overriding the segmenter manifest's
  --srt <file>               drone telemetry (DJI .SRT); default: the video's subtitle track
  --sample-fps <n>           frames analysed per second (default 1)
  --start <time>             wall clock of the video start, e.g. 2024-01-08T10:00:00+08:00, or a
                             local time in the source's zone (default: telemetry, else file time)
  --max-width <px>           decode at most this wide (default 1280)
  --segments <n>             split the video into n segments (default: one per 5 minutes)
  --concurrency <n>          segments decoded and analysed at once (default 1)
  --threads <n>              ONNX threads (default: GRIDWATCH_ORT_THREADS)
  --json                     one JSON object per line per violation event
  --verbose                  progress and stage details on stderr
  --db <dir>                 embedded store folder (default: GRIDWATCH_DATA_DIR, or DATABASE_URL)
  --no-store                 do not store cases`;

/** What the bundled-detector error tells a `gridwatch run` user to do instead. */
const HOW_TO_CHOOSE =
  'Pass a detector with --model <manifest.json> [--weights <file.onnx>], e.g. the COCO reference ' +
  '--model models/catalogue/yolox-nano-coco.json --weights ../shared/models/yolox_nano.onnx (vehicles and people only)';

function round(v: number, digits: number): number {
  const k = 10 ** digits;
  return Math.round(v * k) / k;
}

/** The event as one JSON line: flat, with `type` first. */
export function eventJson(e: PipelineEvent): Record<string, unknown> {
  const v = e.violation;
  const out: Record<string, unknown> = {
    type: e.type,
    event: e.kind,
    ...(e.reason ? { reason: e.reason } : {}),
    id: v.id,
    sourceId: v.sourceId,
    zoneId: v.zoneId,
    firstSeen: e.firstSeenAt,
    lastSeen: e.lastSeenAt,
    dwellS: round(v.dwellS, 1),
    confidence: round(v.confidence, 3),
    trackIds: v.trackIds,
  };
  if (v.ground) out.ground = { lat: round(v.ground.lat, 7), lon: round(v.ground.lon, 7) };
  if (v.areaM2 !== undefined) out.areaM2 = round(v.areaM2, 1);
  out.evidence = e.evidenceFrames.map((f) => ({
    role: f.role,
    ptsS: round(f.ptsS, 3),
    box: f.box.map((x) => round(x, 1)),
  }));
  out.model = e.model;
  return out;
}

function eventRow(e: PipelineEvent, tz: string): string {
  const v = e.violation;
  const when = new Date(e.lastSeenAt).toLocaleString('sv-SE', { timeZone: tz });
  const where = v.ground ? `${v.ground.lat.toFixed(6)},${v.ground.lon.toFixed(6)}` : '';
  const area = v.areaM2 !== undefined ? `${v.areaM2.toFixed(0)} m²` : '';
  return [
    when.padEnd(19),
    `${e.kind}${e.reason ? `(${e.reason})` : ''}`.padEnd(22),
    v.type.padEnd(15),
    v.zoneId.padEnd(10),
    `${v.dwellS.toFixed(0)} s`.padStart(7),
    v.confidence.toFixed(2).padStart(5),
    area.padStart(7),
    where,
  ].join('  ');
}

function cliLogger(io: CommandIo, verbose: boolean): PipelineLogger {
  const say = (m: string) => {
    if (verbose) io.err(m);
  };
  return { debug: say, info: say, warn: (m) => io.err(`warning: ${m}`) };
}

function progressPrinter(io: CommandIo): ProgressCallback {
  return (p) => {
    if (p.stage === 'analyse' && p.done % 100 === 0) {
      io.err(`segment ${p.segment}: ${p.done}${p.total === null ? '' : `/${p.total}`} frames`);
    }
  };
}

export const runCommand: Command = {
  name: 'run',
  summary: 'analyse a video file end to end and store candidate cases',
  usage,
  async run(args, { config, io }) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        source: { type: 'string' },
        model: { type: 'string' },
        weights: { type: 'string' },
        segmenter: { type: 'string' },
        'segmenter-weights': { type: 'string' },
        srt: { type: 'string' },
        'sample-fps': { type: 'string' },
        start: { type: 'string' },
        'max-width': { type: 'string' },
        segments: { type: 'string' },
        concurrency: { type: 'string' },
        threads: { type: 'string' },
        json: { type: 'boolean', default: false },
        db: { type: 'string' },
        'no-store': { type: 'boolean', default: false },
        verbose: { type: 'boolean', default: false },
        // Test-only, not in the usage: detections from a rendered scenario's truth.json.
        truth: { type: 'string' },
      },
    });
    const video = positionals[0];
    if (!video || positionals.length > 1) throw new UsageError('give exactly one video file');
    if (!values.source) throw new UsageError('--source is required');
    if (values.weights && !values.model) throw new UsageError('--weights needs --model');
    if (values['no-store'] && values.db) throw new UsageError('--db and --no-store contradict each other');
    const sampleFps = positiveOption('sample-fps', values['sample-fps']);
    const maxWidth = positiveOption('max-width', values['max-width'], true);
    const segmentCount = positiveOption('segments', values.segments, true);
    const concurrency = positiveOption('concurrency', values.concurrency, true);
    const threads = positiveOption('threads', values.threads, true) ?? config.ortThreads;

    const verbose = values.verbose && !values.json;
    const logger = cliLogger(io, verbose);
    const source = await loadSourceConfig(values.source);
    configureMedia({ concurrency: config.sharpConcurrency });

    let models: PipelineModels | undefined;
    let db: Database | undefined;
    try {
      let detector: FrameDetector;
      let segmenter: FrameSegmenter | undefined;
      if (values.truth) {
        const { loadOracleStages } = await import('../../fixtures/scenarios/scenario-oracle.js');
        ({ detector, segmenter } = await loadOracleStages(values.truth));
      } else {
        // The same loader the workers use; options win over GRIDWATCH_DETECTOR_MODEL and friends.
        models = new PipelineModels(
          {
            detector: values.model ?? config.detectorModel,
            detectorWeights: values.model ? values.weights : config.detectorWeights,
            segmenter: values.segmenter ?? config.segmenterModel,
            segmenterWeights: values.segmenter ? values['segmenter-weights'] : config.segmenterWeights,
            threads,
            howToChoose: HOW_TO_CHOOSE,
          },
          logger,
        );
        ({ detector, segmenter } = await models.forSource(source));
      }
      let cases: CaseSink | undefined;
      if (!values['no-store']) {
        const codes = await loadCategoryCodes({
          path: config.categoryCodesPath,
          regionCode: config.regionCode,
        });
        const storeConfig = values.db ? { ...config, dataDir: values.db, databaseUrl: undefined } : config;
        const store = await openStore(storeConfig);
        db = store.db;
        cases = new CaseService(db, codes);
      }

      let count = 0;
      const result = await runVideoPipeline(
        {
          video,
          source,
          ...(values.srt ? { srt: values.srt } : {}),
          ...(sampleFps ? { sampleFps } : {}),
          ...(values.start ? { startWallClock: values.start } : {}),
          ...(maxWidth ? { maxWidth } : {}),
          ...(segmentCount ? { segmentCount } : {}),
          ...(concurrency ? { concurrency } : {}),
        },
        {
          detector,
          ...(segmenter ? { segmenter } : {}),
          ...(cases ? { cases } : {}),
          logger,
          ...(verbose ? { onProgress: progressPrinter(io) } : {}),
          onEvent: (e) => {
            count++;
            if (values.json) io.out(JSON.stringify(eventJson(e)));
            else {
              if (count === 1)
                io.out(
                  [
                    'time'.padEnd(19),
                    'event'.padEnd(22),
                    'type'.padEnd(15),
                    'zone'.padEnd(10),
                    '  dwell',
                    ' conf',
                    '   area',
                    'where',
                  ].join('  '),
                );
              io.out(eventRow(e, source.timezone));
            }
          },
        },
      );
      if (!values.json) {
        const analysed = result.segments.reduce((n, s) => n + s.stats.analysed, 0);
        const decoded = result.segments.reduce((n, s) => n + s.stats.decoded, 0);
        if (count === 0) io.out('no violations');
        io.out(
          `${result.violations.length} violation(s), ${count} event(s); ${analysed} of ${decoded} sampled frames analysed` +
            (cases
              ? `; cases: ${result.cases.created} created, ${result.cases.updated} updated`
              : '; cases not stored (--no-store)'),
        );
      }
    } finally {
      await models?.close();
      await db?.close();
    }
    return 0;
  },
};
