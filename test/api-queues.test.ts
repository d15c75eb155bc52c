/**
 * The API's side of the job queues (issue 7, operations): the bull-board dashboard behind admin
 * auth, queue depth / totals / latency in /metrics, and a down Redis answered with 503 (uploads
 * included: the flight stays stored and 'queued', and the sweep hands it over once Redis is back).
 * Real Redis throughout: the shared one (unique key prefix) and a private redis-server that this
 * file starts and stops.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAppHarness, type AppHarness } from '../api/app-harness.js';
import { PermanentJobError } from '../common/errors.js';
import { JobFlightQueue } from '../flights/job-flight-queue.js';
import { QueueRepository } from '../repositories/queue-repository.js';
import { QueueJobScheduler } from '../workers/queue-job-scheduler.js';
import { multipart } from './support/multipart.js';
import { makeTestVideo, tempDir } from './support/video-fixtures.js';

const REDIS_URL = process.env.GRIDWATCH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const REDIS_SERVER = '/usr/bin/redis-server';

async function reachable(url: string): Promise<boolean> {
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

async function until<T>(what: string, fn: () => Promise<T | undefined>, tries = 150): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = await fn().catch(() => undefined);
    if (value !== undefined) return value;
    await sleep(200);
  }
  throw new Error(`gave up waiting for ${what}`);
}

const sharedUp = await reachable(REDIS_URL);

describe.skipIf(!sharedUp)('queue dashboard and metrics (shared Redis)', () => {
  const prefix = `gw-test-apiq-${randomUUID().slice(0, 8)}`;
  let producer: QueueRepository;
  let worker: QueueRepository;
  let h: AppHarness;

  beforeAll(async () => {
    producer = new QueueRepository({ url: REDIS_URL, prefix, role: 'producer' });
    worker = new QueueRepository({ url: REDIS_URL, prefix, role: 'worker' });
    h = await openAppHarness('pglite', undefined, { queues: producer });
  });
  afterAll(async () => {
    await h?.close();
    await producer?.obliterate(['flights', 'segments', 'evidence', 'dispatch']).catch(() => {});
    await worker?.close();
    await producer?.close();
  });

  it('serves the dashboard to admin keys only', async () => {
    const none = await h.app.inject({ method: 'GET', url: '/admin/queues' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expect(none.json().error.code).toBe('UNAUTHORIZED');
    for (const role of ['reviewer', 'uploader', 'dispatch'] as const) {
      const res = await h.app.inject({ method: 'GET', url: '/admin/queues', headers: h.auth(role) });
      expect(res.statusCode, role).toBe(403);
      expect(res.json().error.code).toBe('FORBIDDEN');
    }
    // Its JSON API and static files are guarded the same way.
    const api = await h.app.inject({
      method: 'GET',
      url: '/admin/queues/api/queues',
      headers: h.auth('reviewer'),
    });
    expect(api.statusCode).toBe(403);

    const page = await h.app.inject({ method: 'GET', url: '/admin/queues', headers: h.auth('admin') });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('Gridwatch queues');
    // Inline styles for bull-board's UI only; scripts stay same-origin.
    expect(page.headers['content-security-policy']).toContain("style-src 'self' 'unsafe-inline'");
    expect(page.headers['content-security-policy']).toContain("script-src 'self';");
    const health = await h.app.inject({ method: 'GET', url: '/health' });
    expect(health.headers['content-security-policy']).toContain("style-src 'self';");
    const queues = await h.app.inject({
      method: 'GET',
      url: '/admin/queues/api/queues',
      headers: h.auth('admin'),
    });
    expect(queues.statusCode).toBe(200);
    const names = (queues.json() as { queues: { name: string }[] }).queues.map((q) => q.name).sort();
    expect(names).toEqual(['dispatch', 'evidence', 'flights', 'segments']);
  });

  it('reports queue depth, totals and latency in /metrics', async () => {
    const handle = worker.createWorker(
      'evidence',
      async (job) => {
        if (job.name === 'bad') throw new PermanentJobError('corrupt');
        return 'ok';
      },
      { concurrency: 1 },
    );
    try {
      await producer.add('evidence', 'good', {}, { jobId: 'good:1' });
      await producer.add('evidence', 'bad', {}, { jobId: 'bad:1' });
      await producer.add('segments', 'later', {}, { jobId: 'later:1', delayMs: 3_600_000 });
      await until('both jobs to finish', async () => {
        const c = (await producer.counts(['evidence'])).evidence;
        return c && c.completed === 1 && c.failed === 1 ? true : undefined;
      });
    } finally {
      await handle.close();
    }
    const res = await h.app.inject({ method: 'GET', url: '/metrics', headers: h.auth('admin') });
    expect(res.statusCode).toBe(200);
    const text = res.body;
    expect(text).toContain('gridwatch_cases'); // the case metrics are still there
    expect(text).toContain('gridwatch_queue_up 1');
    expect(text).toContain('gridwatch_queue_jobs{queue="evidence",state="completed"} 1');
    expect(text).toContain('gridwatch_queue_jobs{queue="evidence",state="failed"} 1');
    expect(text).toContain('gridwatch_queue_jobs{queue="segments",state="delayed"} 1');
    expect(text).toContain('gridwatch_queue_jobs{queue="flights",state="waiting"} 0');
    expect(text).toContain('gridwatch_queue_jobs_completed_total{queue="evidence"} 1');
    expect(text).toContain('gridwatch_queue_jobs_failed_total{queue="evidence"} 1');
    expect(text).toContain('gridwatch_queue_job_latency_sample_jobs{queue="evidence"} 1');
    const p95 = /gridwatch_queue_job_latency_seconds\{queue="evidence",quantile="0.95"\} (\S+)/.exec(text);
    expect(Number(p95?.[1])).toBeGreaterThanOrEqual(0);
    expect(text).toContain('gridwatch_queue_job_latency_seconds{queue="flights",quantile="0.5"} NaN');

    const ready = await h.app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(200);
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** A redis-server of our own, so stopping it affects no other test file. */
class PrivateRedis {
  private proc: ChildProcess | undefined;
  constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const proc = spawn(
      REDIS_SERVER,
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--save',
        '',
        '--appendonly',
        'no',
      ],
      { stdio: 'ignore' },
    );
    this.proc = proc;
    await until('the private redis-server', async () => ((await reachable(this.url)) ? true : undefined), 50);
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    await exited;
  }
}

describe.skipIf(!existsSync(REDIS_SERVER))('Redis down (private redis-server)', () => {
  const prefix = `gw-test-apiq-down-${randomUUID().slice(0, 8)}`;
  let redis: PrivateRedis;
  let producer: QueueRepository;
  let h: AppHarness;
  let dataDir: string;
  let redisDir: string;
  let mp4: Buffer;

  beforeAll(async () => {
    redisDir = tempDir('gridwatch-private-redis-');
    redis = new PrivateRedis(await freePort(), redisDir);
    await redis.start();
    const media = tempDir('gridwatch-apiq-media-');
    mp4 = await readFile(await makeTestVideo(join(media, 'flight.mp4'), { seconds: 1 }));
    await rm(media, { recursive: true, force: true });
    dataDir = tempDir('gridwatch-apiq-data-');
    producer = new QueueRepository({ url: redis.url, prefix, role: 'producer', connectTimeoutMs: 500 });
    h = await openAppHarness('pglite', undefined, {
      dataDir,
      queues: producer,
      flightQueue: new JobFlightQueue(new QueueJobScheduler(producer)),
    });
  });
  afterAll(async () => {
    await h?.close();
    await producer?.close();
    await redis?.stop();
    for (const dir of [dataDir, redisDir]) if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('answers 503 with Retry-After, keeps the upload queued, and the sweep enqueues it once Redis is back', async () => {
    expect((await h.app.inject({ method: 'GET', url: '/ready' })).statusCode).toBe(200);
    await redis.stop();

    const body = multipart([{ name: 'video', value: mp4, filename: 'DJI_0001.MP4', type: 'video/mp4' }]);
    const res = await h.app.inject({
      method: 'POST',
      url: '/flights',
      payload: body.payload,
      headers: { ...body.headers, ...h.auth('uploader') },
    });
    expect(res.statusCode).toBe(503);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    const error = res.json().error as { code: string; message: string; details: { flightId: string } };
    expect(error.code).toBe('QUEUE_UNAVAILABLE');
    const flightId = error.details.flightId;
    expect(error.message).toContain(flightId);
    expect(error.message).toMatch(/Redis/);

    // Nothing lost: recorded as queued, the video on disk.
    const flight = await h.app.inject({
      method: 'GET',
      url: `/flights/${flightId}`,
      headers: h.auth('uploader'),
    });
    expect(flight.statusCode).toBe(200);
    expect(flight.json()).toMatchObject({ id: flightId, status: 'queued', error: null });
    expect(existsSync(join(dataDir, 'uploads', flightId, 'video.mp4'))).toBe(true);

    const ready = await h.app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().error.message).toMatch(/Redis/);
    const metrics = await h.app.inject({ method: 'GET', url: '/metrics', headers: h.auth('admin') });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toContain('gridwatch_queue_up 0');
    const board = await h.app.inject({
      method: 'GET',
      url: '/admin/queues/api/queues',
      headers: h.auth('admin'),
    });
    expect(board.statusCode).toBeGreaterThanOrEqual(500);

    await redis.start();
    await until('the producer to reconnect', () => producer.ping());
    expect(await h.services.flights.enqueueWaiting()).toBe(1);
    const job = await producer.job('flights', `ingest:${flightId}`);
    expect(job?.state).toBe('waiting');
    // Repeating the sweep adds nothing: the ingest job's id is deterministic.
    await h.services.flights.enqueueWaiting();
    expect((await producer.counts(['flights'])).flights?.waiting).toBe(1);
  });
});
