/**
 * Chaos: flights through real `gridwatch worker` processes (real Redis, a scratch PostgreSQL
 * schema, real ffmpeg, YOLOX-nano) while a worker is SIGKILLed at random moments and respawned.
 *
 * Two workers serve every flight queue. A first, undisturbed round gives the expected cases and
 * how long a round takes; then each of 20 rounds uploads a fresh flight (of a fresh source, so
 * rounds cannot share cases) and SIGKILLs a worker at a seeded-random moment within that span
 * (sometimes both workers, one after the other), respawning each at once. Every round must end
 * with the flight done, exactly the expected cases, no duplicates, and each case's evidence.
 *
 * A killed worker's running job is held by its lock until the lock runs out; the workers here
 * run with a 2.5 s lock checked every 0.5 s (GRIDWATCH_QUEUE_LOCK_MS / _STALLED_INTERVAL_MS; 30 s and
 * 15 s in production), so the survivor takes it over within seconds. A stall uses no attempt, and
 * a job may stall twice (maxStalledCount), which two kills a round never exceed.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlightRunRepository } from '../repositories/database-flight-runs.js';
import { mulberry32 } from './support/seeded-random.js';
import { tempDir } from './support/video-fixtures.js';
import {
  caseFacts,
  encodeParkedCarVideo,
  openFlightApi,
  parkedCarSource,
  spawnWorkerProcess,
  stopWorker,
  workerServicesUp,
  type FlightApi,
  type WorkerProcess,
} from './support/worker-flights.js';

const ROUNDS = 20;
const SEED = 0x9e3779b9;
const LOCK_MS = 2500;
const STALLED_INTERVAL_MS = 500;
// Short rounds: two minutes of the parked car, six 20 s segments, a 60 s parking rule.
const FRAMES = 13;
const SEGMENT_SECONDS = 20;
const MIN_DWELL_SECONDS = 60;
// One sample per encoded frame (they are 10 s apart), not the default 1 fps of duplicates.
const SAMPLE_FPS = 0.1;
const up = await workerServicesUp();

/** What must match between rounds: a case's facts without the ids that name its source. */
function roundFacts(cases: Parameters<typeof caseFacts>[0][]) {
  return cases
    .map((c) => {
      const { violationId: _v, sourceId: _s, ...rest } = caseFacts(c);
      return rest;
    })
    .sort((a, b) => a.firstSeen.localeCompare(b.firstSeen) || a.zoneId!.localeCompare(b.zoneId!));
}

describe.skipIf(!up)('chaos: worker processes SIGKILLed mid-flight (real Redis, PostgreSQL, ONNX)', () => {
  const prefix = `gw-chaos-${randomBytes(4).toString('hex')}`;
  const dir = tempDir('gridwatch-workers-chaos-');
  const dataDir = join(dir, 'data');
  let video: Buffer;
  let api: FlightApi;
  const workers: WorkerProcess[] = [];
  const spawnOne = () =>
    spawnWorkerProcess({
      databaseUrl: api.databaseUrl,
      prefix,
      dataDir,
      lockMs: LOCK_MS,
      stalledIntervalMs: STALLED_INTERVAL_MS,
    });

  beforeAll(async () => {
    video = await readFile(await encodeParkedCarVideo(join(dir, 'parked.mp4'), FRAMES));
    api = await openFlightApi({ prefix, dataDir, segmentSeconds: SEGMENT_SECONDS });
    workers.push(spawnOne(), spawnOne());
    await Promise.all(workers.map((w) => w.ready));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => stopWorker(w, 'SIGKILL')));
    await api?.close();
  });

  /** One flight of a fresh source; returns the source's cases once every queue is idle. */
  async function flight(sourceId: string, during?: (startedAt: number) => Promise<void>) {
    await api.h.services.sources.create(parkedCarSource(sourceId, MIN_DWELL_SECONDS));
    const startedAt = Date.now();
    const id = await api.upload(sourceId, video, { sampleFps: SAMPLE_FPS });
    const chaos = during?.(startedAt);
    const f = await api.finished(id, 90_000);
    await chaos;
    await api.queuesIdle(90_000);
    return { id, flight: f, cases: await api.casesOf(sourceId), ms: Date.now() - startedAt };
  }

  async function checkEvidence(cases: { id: string }[]) {
    for (const c of cases) {
      expect(await api.evidenceKinds(c.id)).toEqual(expect.arrayContaining(['annotated', 'clip', 'crop']));
    }
  }

  it(`ends each of ${ROUNDS} rounds with exactly the expected cases and their evidence`, async () => {
    const baseline = await flight('chaos-baseline');
    expect(baseline.flight).toMatchObject({ status: 'done', progress: 1, error: null });
    const plan = await new FlightRunRepository(api.h.services.db).findPlan(baseline.id);
    expect(plan?.segments.length).toBeGreaterThanOrEqual(6);
    const expected = roundFacts(baseline.cases);
    expect(expected.length).toBeGreaterThanOrEqual(1);
    await checkEvidence(baseline.cases);

    const random = mulberry32(SEED);
    const kills: string[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const r = await flight(`chaos-r${round}`, async (startedAt) => {
        // One kill, or two in a row a quarter of the time; each within the baseline round's span.
        const times = [random() * baseline.ms];
        if (random() < 1 / 4) times.push(random() * baseline.ms);
        times.sort((a, b) => a - b);
        for (const at of times) {
          await new Promise((res) => setTimeout(res, Math.max(0, startedAt + at - Date.now())));
          const victim = random() < 0.5 ? 0 : 1;
          await stopWorker(workers[victim] as WorkerProcess, 'SIGKILL');
          workers[victim] = spawnOne();
          kills.push(`r${round}:w${victim}@${Math.round(at)}ms`);
        }
      });
      expect(r.flight, `round ${round}`).toMatchObject({ status: 'done', progress: 1, error: null });
      const ids = r.cases.map((c) => c.violationId);
      expect(new Set(ids).size, `round ${round}: duplicate cases`).toBe(ids.length);
      expect(roundFacts(r.cases), `round ${round}`).toEqual(expected);
      await checkEvidence(r.cases);
      kills.push(`(r${round} ${r.ms} ms)`);
    }
    console.info(`chaos: baseline round ${baseline.ms} ms; kills ${kills.join(' ')}`);
  }, 600_000);
});
