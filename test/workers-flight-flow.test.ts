/**
 * Flights through the BullMQ workers, end to end on real services: real Redis (a unique key
 * prefix), real PostgreSQL (a scratch schema; the workers hold their own connection, as another
 * process would), real ffmpeg, and a real ONNX detector (YOLOX-nano, the COCO reference model in
 * ../shared).
 *
 * The video is the scenario fixtures' kind of footage — timed frames encoded by
 * `encodeTimedFrames`, one every 10 s — but of a real photo of a parked car: the COCO models do
 * not see the rendered scenario cars (see test/cli-run.test.ts), and a case needs a detection.
 * Five minutes of it at 50 s segments gives at least six segments (test/support/worker-flights.ts,
 * shared with the chaos and Redis-restart tests and the workers bench).
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAppHarness, type AppHarness } from '../api/app-harness.js';
import { createServices } from '../api/app-services.js';
import { loadCategoryCodes } from '../cases/category-codes.js';
import { toPipelineSource } from '../cases/pipeline-source-validator.js';
import type { ViolationInput } from '../cases/violation-input.js';
import { JobFlightQueue } from '../flights/job-flight-queue.js';
import { PipelineModels } from '../pipeline/load-pipeline-models.js';
import { runVideoPipeline, type CaseSink } from '../pipeline/run-video-pipeline.js';
import { FlightRunRepository } from '../repositories/database-flight-runs.js';
import { QueueRepository, WORKER_SETTINGS } from '../repositories/queue-repository.js';
import { MemoryObjectStorage } from '../storage/memory-storage.js';
import { QUEUE_NAMES } from '../workers/job-registry.js';
import { QueueJobScheduler } from '../workers/queue-job-scheduler.js';
import { startWorkerRuntime, type WorkerRuntime } from '../workers/worker-runtime.js';
import { sharedAsset } from './support/shared-assets.js';
import { multipart } from './support/multipart.js';
import { tempDir } from './support/video-fixtures.js';
import {
  caseFacts,
  encodeParkedCarVideo,
  FLIGHT_START as START,
  parkedCarSource,
  PG_URL,
  REDIS_URL,
  SEGMENT_SECONDS,
  until,
  workerServicesUp,
} from './support/worker-flights.js';

const SOURCE = parkedCarSource();
const servicesUp = await workerServicesUp();

describe.skipIf(!servicesUp)('flights through BullMQ workers (real Redis, PostgreSQL, ffmpeg, ONNX)', () => {
  const prefix = `gw-test-${randomBytes(4).toString('hex')}`;
  const dir = tempDir('gridwatch-workers-flow-');
  const dataDir = join(dir, 'data');
  let video: string;
  let h: AppHarness;
  let producer: QueueRepository;
  let flightQueue: JobFlightQueue;
  let models: PipelineModels;
  let workers: WorkerRuntime;

  beforeAll(async () => {
    // Fails with a message naming ../shared when the reference model is not checked out.
    const weights = sharedAsset('models/yolox_nano.onnx');
    video = await encodeParkedCarVideo(join(dir, 'parked.mp4'));

    const storage = new MemoryObjectStorage();
    producer = new QueueRepository({ url: REDIS_URL, prefix, role: 'producer' });
    flightQueue = new JobFlightQueue(new QueueJobScheduler(producer));
    h = await openAppHarness('postgres', PG_URL, { dataDir, storage, flightQueue });
    await h.services.sources.create(SOURCE);

    const workerDb = await h.scratch.openAnother();
    models = new PipelineModels({
      detector: 'models/catalogue/yolox-nano-coco.json',
      detectorWeights: weights,
      threads: 1,
    });
    workers = await startWorkerRuntime({
      db: workerDb,
      appServices: createServices(workerDb, { codes: await loadCategoryCodes({}), storage, dataDir }),
      models,
      queueRepository: new QueueRepository({ url: REDIS_URL, prefix, role: 'worker' }),
      concurrency: 2,
      graceMs: 5000,
      analysis: { segmentSeconds: SEGMENT_SECONDS },
    });
  }, 120_000);

  afterAll(async () => {
    await workers?.close();
    await models?.close();
    await producer?.obliterate(QUEUE_NAMES).catch(() => {});
    await producer?.close();
    await h?.close();
  });

  const upload = async (content: Buffer, analysis: Record<string, unknown> = {}): Promise<string> => {
    const body = multipart([
      { name: 'sourceId', value: SOURCE.id },
      { name: 'metadata', value: JSON.stringify({ analysis: { startWallClock: START, ...analysis } }) },
      { name: 'video', value: content, filename: 'DJI_0001.MP4' },
    ]);
    const res = await h.app.inject({
      method: 'POST',
      url: '/flights',
      payload: body.payload,
      headers: { ...body.headers, ...h.auth('uploader') },
    });
    expect(res.statusCode).toBe(201);
    return res.json().id as string;
  };
  const getFlight = async (id: string) =>
    (await h.app.inject({ url: `/flights/${id}`, headers: h.auth('reviewer') })).json();
  const finished = (id: string) =>
    until(`flight ${id} to finish`, async () => {
      const f = await getFlight(id);
      return f.status === 'done' || f.status === 'failed' ? f : undefined;
    });
  const queuesIdle = () =>
    until('the queues to drain', async () => {
      const counts = await producer.counts(QUEUE_NAMES);
      const busy = Object.values(counts).some(
        (c) => c.waiting + c.active + c.delayed + c.prioritized + c.waitingChildren > 0,
      );
      return busy ? undefined : counts;
    });
  const evidenceKinds = async (caseId: string): Promise<string[]> => {
    const res = await h.app.inject({ url: `/cases/${caseId}/evidence`, headers: h.auth('reviewer') });
    return (res.json().items as { kind: string }[]).map((i) => i.kind).sort();
  };

  let flightId: string;

  it('analyses a flight of six or more segments into the cases the in-process pipeline finds, with evidence', async () => {
    const loop = monitorEventLoopDelay({ resolution: 20 });
    loop.enable();
    flightId = await upload(await readFile(video));
    const flight = await finished(flightId);
    loop.disable();
    expect(flight).toMatchObject({ status: 'done', progress: 1, error: null });

    const plan = await new FlightRunRepository(h.services.db).findPlan(flightId);
    expect(plan?.segments.length).toBeGreaterThanOrEqual(6);

    // The same stages in one process, on the same file with the same settings.
    const expected = new Map<string, ViolationInput>();
    const sink: CaseSink = {
      async upsertFromViolation(input) {
        const v = input as ViolationInput;
        expected.set(v.violationId, v);
        return { case: {} as never, created: true, updated: false };
      },
    };
    const inProcess = await runVideoPipeline(
      {
        video,
        source: toPipelineSource(SOURCE),
        startWallClock: START,
        segmentSeconds: SEGMENT_SECONDS,
        concurrency: 2,
      },
      { detector: await models.detector(), cases: sink },
    );
    expect(inProcess.plan.segments.length).toBe(plan?.segments.length);
    expect(expected.size).toBeGreaterThanOrEqual(1);

    const { items: cases } = await h.services.cases.list({});
    expect(cases.map(caseFacts).sort((a, b) => a.violationId.localeCompare(b.violationId))).toEqual(
      [...expected.values()]
        .map((v) => caseFacts({ ...v, zoneId: v.zoneId ?? null }))
        .sort((a, b) => a.violationId.localeCompare(b.violationId)),
    );
    expect(cases.every((c) => c.type === 'illegal_parking' && c.model?.name === 'yolox-nano-coco')).toBe(
      true,
    );

    await queuesIdle();
    for (const c of cases) {
      const kinds = await evidenceKinds(c.id);
      expect(kinds).toEqual(expect.arrayContaining(['annotated', 'clip', 'crop']));
    }
    // Inference runs off the event loop (ORT native threads, ffmpeg processes): lock renewal never starves.
    expect(loop.percentile(99) / 1e6).toBeLessThan(WORKER_SETTINGS.lockDuration / 4);
  });

  it('changes nothing when the same flight is enqueued again', async () => {
    const before = {
      cases: (await h.services.cases.list({})).items,
      segments: await new FlightRunRepository(h.services.db).countSegments(flightId),
      ingest: await producer.job('flights', `ingest:${flightId}`),
    };
    const evidence = await Promise.all(before.cases.map((c) => evidenceKinds(c.id)));
    const events = await Promise.all(before.cases.map((c) => h.services.cases.events(c.id)));

    await flightQueue.enqueue(flightId);
    const ingest = await until('the ingest job to run again', async () => {
      const job = await producer.job('flights', `ingest:${flightId}`);
      return job?.state === 'completed' && job.finishedOn !== before.ingest?.finishedOn ? job : undefined;
    });
    expect(ingest.returnValue).toEqual({ skipped: 'done' });
    await queuesIdle();

    const after = (await h.services.cases.list({})).items;
    expect(after).toEqual(before.cases);
    expect(await new FlightRunRepository(h.services.db).countSegments(flightId)).toBe(before.segments);
    expect(await Promise.all(after.map((c) => evidenceKinds(c.id)))).toEqual(evidence);
    expect(await Promise.all(after.map((c) => h.services.cases.events(c.id)))).toEqual(events);
    expect(await getFlight(flightId)).toMatchObject({ status: 'done', progress: 1 });
  });

  it('fails a corrupt video at once, without retries, with its reason visible through the API', async () => {
    const good = await readFile(video);
    // A real MP4 head (it passes the upload's content check) over bytes that are not a video.
    const corrupt = Buffer.concat([good.subarray(0, 32), randomBytes(64 * 1024)]);
    const id = await upload(corrupt);
    const flight = await finished(id);
    expect(flight.status).toBe('failed');
    expect(flight.error).toMatch(/the flight video cannot be analysed: /);
    const job = await producer.job('flights', `ingest:${id}`);
    expect(job).toMatchObject({ state: 'failed', attemptsMade: 1 });
    expect(await producer.job('flights', `aggregate:${id}`)).toBeUndefined();
  });
});
