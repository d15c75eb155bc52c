/**
 * Redis restarted mid-flight: a private redis-server (a free port, AOF on, in a temp dir, so the
 * queued jobs survive a clean restart) serves a `gridwatch worker` process; once the flight's
 * first segment is stored Redis is stopped with SIGTERM (it writes its AOF and exits), left down
 * a moment, and started again on the same port and data. The worker's connection (BullMQ's
 * production settings: maxRetriesPerRequest null, offline queue) waits the outage out, and the
 * flight completes with the cases the same stages find in one process, with their evidence.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipelineModels } from '../pipeline/load-pipeline-models.js';
import { FlightRunRepository } from '../repositories/database-flight-runs.js';
import { sharedAsset } from './support/shared-assets.js';
import { tempDir } from './support/video-fixtures.js';
import {
  caseFacts,
  DETECTOR_MANIFEST,
  encodeParkedCarVideo,
  inProcessFacts,
  openFlightApi,
  parkedCarSource,
  sortFacts,
  spawnWorkerProcess,
  stopWorker,
  until,
  workerServicesUp,
  type FlightApi,
  type WorkerProcess,
} from './support/worker-flights.js';

const REDIS_SERVER = '/usr/bin/redis-server';
const FRAMES = 13;
const SEGMENT_SECONDS = 20;
const MIN_DWELL_SECONDS = 60;
const up = existsSync(REDIS_SERVER) && (await workerServicesUp());

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const { port } = server.address() as { port: number };
  await new Promise((res) => server.close(res));
  return port;
}

/** redis-server in the foreground; resolves once it accepts connections. */
async function startRedis(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(
    REDIS_SERVER,
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      out += chunk;
      if (/Ready to accept connections/.test(out)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}):\n${out}`)));
  });
  return child;
}

async function stopRedis(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((res) => child.once('exit', res));
  child.kill('SIGTERM');
  await gone;
}

describe.skipIf(!up)('workers across a Redis restart (private redis-server, real PostgreSQL, ONNX)', () => {
  const prefix = `gw-restart-${randomBytes(4).toString('hex')}`;
  const dir = tempDir('gridwatch-redis-restart-');
  const dataDir = join(dir, 'data');
  const redisDir = join(dir, 'redis');
  let port: number;
  let redis: ChildProcess | undefined;
  let videoPath: string;
  let api: FlightApi;
  let worker: WorkerProcess | undefined;
  let models: PipelineModels;

  beforeAll(async () => {
    videoPath = await encodeParkedCarVideo(join(dir, 'parked.mp4'), FRAMES);
    await mkdir(redisDir);
    port = await freePort();
    redis = await startRedis(port, redisDir);
    const redisUrl = `redis://127.0.0.1:${port}`;
    api = await openFlightApi({ prefix, dataDir, redisUrl, segmentSeconds: SEGMENT_SECONDS });
    worker = spawnWorkerProcess({ redisUrl, databaseUrl: api.databaseUrl, prefix, dataDir });
    models = new PipelineModels({
      detector: DETECTOR_MANIFEST,
      detectorWeights: sharedAsset('models/yolox_nano.onnx'),
      threads: 1,
    });
    await worker.ready;
  }, 120_000);

  afterAll(async () => {
    if (worker) await stopWorker(worker, 'SIGKILL');
    await models?.close();
    await api?.close();
    await stopRedis(redis);
  });

  it('resumes and completes a flight after Redis is stopped and started again mid-flight', async () => {
    const source = parkedCarSource('cam-restart', MIN_DWELL_SECONDS);
    await api.h.services.sources.create(source);
    const runs = new FlightRunRepository(api.h.services.db);
    const id = await api.upload(source.id, await readFile(videoPath));

    // Mid-flight: the plan is stored and some, not all, of its segments are analysed.
    await until('the first segment to be stored', async () =>
      (await runs.countSegments(id)) >= 1 ? true : undefined,
    );
    await stopRedis(redis);
    const storedWhileUp = await runs.countSegments(id);
    const plan = await runs.findPlan(id);
    expect(plan?.segments.length).toBeGreaterThanOrEqual(6);
    await new Promise((r) => setTimeout(r, 1500));
    redis = await startRedis(port, redisDir);

    const flight = await api.finished(id, 90_000);
    expect(flight).toMatchObject({ status: 'done', progress: 1, error: null });
    await api.queuesIdle(90_000);
    expect(await runs.countSegments(id)).toBe(plan?.segments.length);

    const cases = await api.casesOf(source.id);
    expect(sortFacts(cases.map(caseFacts))).toEqual(
      await inProcessFacts(videoPath, source, models, SEGMENT_SECONDS),
    );
    expect(cases.length).toBeGreaterThanOrEqual(1);
    for (const c of cases) {
      expect(await api.evidenceKinds(c.id)).toEqual(expect.arrayContaining(['annotated', 'clip', 'crop']));
    }
    console.info(
      `redis restart: ${storedWhileUp} of ${plan?.segments.length} segments stored when Redis stopped`,
    );
  }, 240_000);
});
