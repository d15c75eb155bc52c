/**
 * What the worker tests and the workers bench share: a flight video of a real parked car, a
 * camera source watching it, an API on a scratch PostgreSQL schema that enqueues flights into
 * Redis, `gridwatch worker` processes on that schema and prefix, and polling helpers.
 *
 * The video is the scenario fixtures' kind of footage — timed frames encoded by
 * `encodeTimedFrames`, one every 10 s — but of a real photo of a parked car (../shared): the COCO
 * models do not see the rendered scenario cars, and a case needs a detection. Five minutes of it
 * at 50 s segments gives six segments.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { openAppHarness, type AppHarness } from '../../api/app-harness.js';
import type { Case } from '../../cases/case-model.js';
import { toPipelineSource } from '../../cases/pipeline-source-validator.js';
import type { ViolationInput } from '../../cases/violation-input.js';
import { JobFlightQueue } from '../../flights/job-flight-queue.js';
import type { PipelineModels } from '../../pipeline/load-pipeline-models.js';
import { runVideoPipeline, type CaseSink } from '../../pipeline/run-video-pipeline.js';
import { postgresReachable } from '../../repositories/database-scratch.js';
import { encodeTimedFrames } from '../../repositories/ffmpeg-repository.js';
import { decodeImage } from '../../repositories/media-repository.js';
import { QueueRepository } from '../../repositories/queue-repository.js';
import { MemoryObjectStorage } from '../../storage/memory-storage.js';
import { QUEUE_NAMES } from '../../workers/job-registry.js';
import { QueueJobScheduler } from '../../workers/queue-job-scheduler.js';
import { multipart } from './multipart.js';
import { sharedAsset } from './shared-assets.js';
import { parkedCarCamera } from '../../fixtures/parked-car-camera.js';

export const PG_URL =
  process.env.GRIDWATCH_TEST_DATABASE_URL ??
  process.env.DATABASE_URL ??
  'postgres://root@127.0.0.1:5432/test';
export const REDIS_URL = process.env.GRIDWATCH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const FLIGHT_START = '2024-01-08T10:00:00';
export const SEGMENT_SECONDS = 50;
export const DETECTOR_MANIFEST = 'models/catalogue/yolox-nano-coco.json';
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export async function redisReachable(url = REDIS_URL): Promise<boolean> {
  const probe = new QueueRepository({ url, prefix: 'gw-probe', role: 'producer', connectTimeoutMs: 3000 });
  try {
    await probe.ping();
    return true;
  } catch {
    return false;
  } finally {
    await probe.close();
  }
}

/** Whether the real PostgreSQL and Redis these tests need answer. */
export async function workerServicesUp(): Promise<boolean> {
  return (await postgresReachable(PG_URL)) && (await redisReachable());
}

export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 120_000,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * A disabled camera (no camera worker leases it) with a no-parking zone under the parked car.
 * `minDwellSeconds` shortens the parking rule's 180 s, for short flights.
 */
export function parkedCarSource(id = 'cam-kerb-12', minDwellSeconds?: number) {
  return {
    ...parkedCarCamera(id),
    ...(minDwellSeconds ? { rules: { illegal_parking: { minDwellSeconds } } } : {}),
    name: `Kerb outside no. 12 (${id})`,
    rtspUrl: 'rtsp://camera.invalid/stream',
    enabled: false,
    timezone: 'Asia/Shanghai',
  };
}
export type FlightSource = ReturnType<typeof parkedCarSource>;

/** `frames` frames of the parked car, one every 10 s (31: five minutes, six 50 s segments). */
export async function encodeParkedCarVideo(out: string, frames = 31): Promise<string> {
  const photo = await decodeImage(await readFile(sharedAsset('media/single_car.jpg')));
  await encodeTimedFrames(
    Array.from({ length: frames }, (_, k) => ({ ...photo, ptsS: k * 10 })),
    { out },
  );
  return out;
}

/** The fields a case takes from its violation, normalised for comparison. */
export function caseFacts(c: {
  violationId: string;
  type: string;
  zoneId?: string | null;
  firstSeen: string | Date;
  lastSeen: string | Date;
  dwellSeconds: number;
  confidence: number;
  sourceId: string;
}) {
  return {
    violationId: c.violationId,
    type: c.type,
    sourceId: c.sourceId,
    zoneId: c.zoneId ?? null,
    firstSeen: new Date(c.firstSeen).toISOString(),
    lastSeen: new Date(c.lastSeen).toISOString(),
    dwellSeconds: c.dwellSeconds,
    confidence: c.confidence,
  };
}
export type CaseFacts = ReturnType<typeof caseFacts>;

export const sortFacts = (facts: CaseFacts[]): CaseFacts[] =>
  [...facts].sort((a, b) => a.violationId.localeCompare(b.violationId));

/** The violations the same stages find in one process (`gridwatch run`), as case facts. */
export async function inProcessFacts(
  video: string,
  source: FlightSource,
  models: PipelineModels,
  segmentSeconds = SEGMENT_SECONDS,
): Promise<CaseFacts[]> {
  const found = new Map<string, ViolationInput>();
  const sink: CaseSink = {
    async upsertFromViolation(input) {
      const v = input as ViolationInput;
      found.set(v.violationId, v);
      return { case: {} as never, created: true, updated: false };
    },
  };
  await runVideoPipeline(
    {
      video,
      source: toPipelineSource(source),
      startWallClock: FLIGHT_START,
      segmentSeconds,
      concurrency: 1,
    },
    { detector: await models.detector(), cases: sink },
  );
  return sortFacts([...found.values()].map((v) => caseFacts({ ...v, zoneId: v.zoneId ?? null })));
}

/** An API on a scratch schema whose flight uploads are enqueued into Redis under `prefix`. */
export interface FlightApi {
  h: AppHarness;
  producer: QueueRepository;
  flightQueue: JobFlightQueue;
  /** DATABASE_URL for another process: the scratch schema as its search_path. */
  databaseUrl: string;
  /** Uploads a flight; `analysis` adds to the upload's metadata.analysis (sampleFps, maxWidth…). */
  upload(sourceId: string, video: Buffer, analysis?: Record<string, unknown>): Promise<string>;
  getFlight(id: string): Promise<{ status: string; progress: number; error: string | null }>;
  finished(
    id: string,
    timeoutMs?: number,
  ): Promise<{ status: string; progress: number; error: string | null }>;
  /** Resolves once no queue has work waiting, running, delayed or waiting for children. */
  queuesIdle(timeoutMs?: number): Promise<void>;
  evidenceKinds(caseId: string): Promise<string[]>;
  /** Cases of one source. */
  casesOf(sourceId: string): Promise<Case[]>;
  close(): Promise<void>;
}

export async function openFlightApi(opts: {
  prefix: string;
  dataDir: string;
  redisUrl?: string;
  /** Segment length of uploaded flights (default SEGMENT_SECONDS). */
  segmentSeconds?: number;
}): Promise<FlightApi> {
  const analysis = { startWallClock: FLIGHT_START, segmentSeconds: opts.segmentSeconds ?? SEGMENT_SECONDS };
  const producer = new QueueRepository({
    url: opts.redisUrl ?? REDIS_URL,
    prefix: opts.prefix,
    role: 'producer',
  });
  const flightQueue = new JobFlightQueue(new QueueJobScheduler(producer));
  const h = await openAppHarness('postgres', PG_URL, {
    dataDir: opts.dataDir,
    storage: new MemoryObjectStorage(),
    flightQueue,
  });
  const { rows } = await h.services.db.query<{ schema: string }>('SELECT current_schema() AS schema');
  const schema = rows[0]?.schema as string;
  const url = new URL(PG_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);

  const getFlight = async (id: string) =>
    (await h.app.inject({ url: `/flights/${id}`, headers: h.auth('reviewer') })).json();
  return {
    h,
    producer,
    flightQueue,
    databaseUrl: url.toString(),
    async upload(sourceId, video, extra = {}) {
      const body = multipart([
        { name: 'sourceId', value: sourceId },
        { name: 'metadata', value: JSON.stringify({ analysis: { ...analysis, ...extra } }) },
        { name: 'video', value: video, filename: 'DJI_0001.MP4' },
      ]);
      const res = await h.app.inject({
        method: 'POST',
        url: '/flights',
        payload: body.payload,
        headers: { ...body.headers, ...h.auth('uploader') },
      });
      if (res.statusCode !== 201) throw new Error(`upload failed: ${res.statusCode} ${res.body}`);
      return res.json().id as string;
    },
    getFlight,
    finished: (id, timeoutMs = 120_000) =>
      until(
        `flight ${id} to finish`,
        async () => {
          const f = await getFlight(id);
          return f.status === 'done' || f.status === 'failed' ? f : undefined;
        },
        timeoutMs,
      ),
    queuesIdle: async (timeoutMs = 120_000) => {
      await until(
        'the queues to drain',
        async () => {
          // A producer fails fast while Redis is away: keep polling.
          const counts = await producer.counts(QUEUE_NAMES).catch(() => undefined);
          if (!counts) return undefined;
          const busy = Object.values(counts).some(
            (c) => c.waiting + c.active + c.delayed + c.prioritized + c.waitingChildren > 0,
          );
          return busy ? undefined : true;
        },
        timeoutMs,
      );
    },
    async evidenceKinds(caseId) {
      const res = await h.app.inject({ url: `/cases/${caseId}/evidence`, headers: h.auth('reviewer') });
      return (res.json().items as { kind: string }[]).map((i) => i.kind).sort();
    },
    async casesOf(sourceId) {
      return (await h.services.cases.list({ sourceId }, { limit: 200 })).items;
    },
    async close() {
      await producer.obliterate(QUEUE_NAMES).catch(() => {});
      await producer.close();
      await h.close();
    },
  };
}

/** A `gridwatch worker` process, as a deployment starts one. */
export interface WorkerProcess {
  readonly child: ChildProcess;
  /** Resolves once it has loaded its detector and takes jobs. */
  readonly ready: Promise<void>;
  /** Resolves with the exit code (or signal) once it is gone. */
  readonly exited: Promise<number | string | null>;
  stderr(): string;
}

export interface WorkerProcessOptions {
  redisUrl?: string;
  databaseUrl: string;
  prefix: string;
  dataDir: string;
  queues?: string;
  concurrency?: number;
  /** Test-only stall recovery: a SIGKILLed worker's jobs come back after about lock + interval. */
  lockMs?: number;
  stalledIntervalMs?: number;
  graceSeconds?: number;
}

export function spawnWorkerProcess(o: WorkerProcessOptions): WorkerProcess {
  const child = spawn(
    process.execPath,
    [
      'bin/gridwatch.js',
      'worker',
      '--queues',
      o.queues ?? 'flights,segments,evidence',
      '--concurrency',
      String(o.concurrency ?? 1),
      '--grace',
      String(o.graceSeconds ?? 5),
    ],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        ...process.env,
        REDIS_URL: o.redisUrl ?? REDIS_URL,
        DATABASE_URL: o.databaseUrl,
        GRIDWATCH_QUEUE_PREFIX: o.prefix,
        GRIDWATCH_DATA_DIR: o.dataDir,
        GRIDWATCH_DETECTOR_MODEL: DETECTOR_MANIFEST,
        GRIDWATCH_DETECTOR_WEIGHTS: sharedAsset('models/yolox_nano.onnx'),
        GRIDWATCH_ORT_THREADS: '1',
        GRIDWATCH_CAMERAS_PER_WORKER: '0',
        ...(o.lockMs ? { GRIDWATCH_QUEUE_LOCK_MS: String(o.lockMs) } : {}),
        ...(o.stalledIntervalMs ? { GRIDWATCH_QUEUE_STALLED_INTERVAL_MS: String(o.stalledIntervalMs) } : {}),
      },
    },
  );
  let err = '';
  const exited = new Promise<number | string | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal)),
  );
  const ready = new Promise<void>((resolve, reject) => {
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      err = (err + chunk).slice(-20_000);
      if (/gridwatch worker on /.test(err)) resolve();
    });
    void exited.then((how) => reject(new Error(`worker exited (${how}) before it was ready:\n${err}`)));
  });
  // A worker killed on purpose after it was ready is no failure.
  ready.catch(() => {});
  return { child, ready, exited, stderr: () => err };
}

/** SIGKILL (a crash) or SIGTERM (a clean stop), and wait until the process is gone. */
export async function stopWorker(w: WorkerProcess, signal: 'SIGKILL' | 'SIGTERM' = 'SIGTERM'): Promise<void> {
  if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill(signal);
  await w.exited;
}
