/**
 * Camera takeover, end to end and real throughout: PostgreSQL, a GStreamer RTSP server looping a
 * real photo of a parked car (../shared/media/single_car.jpg, inside a no-parking zone), ffmpeg
 * decoding the stream, and the YOLOX-nano COCO detector from ../shared/models (the synthetic
 * scenario scenes are not used: COCO models do not see their cars). Two camera workers run as
 * separate processes; the owner is killed with SIGKILL once the illegal-parking case is open;
 * the other must take the camera over within 30 s and carry on the same violation from the
 * persisted state, so the dwell that spans the takeover yields exactly one case.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CaseService } from '../cases/case-service.js';
import { loadCategoryCodes } from '../cases/category-codes.js';
import { validateWithPipeline } from '../cases/pipeline-source-validator.js';
import { SourceService } from '../cases/source-service.js';
import { EvidenceService } from '../evidence/evidence-service.js';
import { CameraLeaseRepository } from '../repositories/database-camera-leases.js';
import { migrate } from '../repositories/database-migrations.js';
import { openDatabase, type Database } from '../repositories/database-repository.js';
import { postgresReachable } from '../repositories/database-scratch.js';
import { LocalFolderStorage } from '../storage/local-folder-storage.js';
import type { CameraWorkerArgs } from './support/camera-worker-process.js';
import { PG_URL } from './support/database-engines.js';
import { startRtspTestServer, type RtspTestServer } from './support/rtsp-test-server.js';
import { sharedAsset } from './support/shared-assets.js';
import { ffmpegCli, tempDir } from './support/video-fixtures.js';
import { parkedCarCamera } from '../fixtures/parked-car-camera.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const WORKER_SCRIPT = join(ROOT, 'test/support/camera-worker-process.ts');
const SOURCE_ID = 'cam-takeover';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  ms: number,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) {
      const logs = workers.map((w) => `--- ${w.name}:\n${w.log()}`).join('\n');
      throw new Error(`timed out after ${ms} ms waiting for ${what}\n${logs}`);
    }
    await sleep(100);
  }
}

interface WorkerEvent {
  kind: string;
  at: string;
  sourceId?: string;
  token?: string;
  why?: string;
  frames?: number;
}

interface WorkerProcess {
  name: string;
  child: ChildProcess;
  events: WorkerEvent[];
  log: () => string;
  exited: Promise<void>;
}

const workers: WorkerProcess[] = [];
let schema: string;
let admin: Database;
let db: Database;
let rtsp: RtspTestServer;
let manifest: string;
let weights: string;
const evidenceDir = tempDir('gridwatch-camera-evidence-');

function startWorker(name: string): WorkerProcess {
  const args: CameraWorkerArgs = {
    databaseUrl: PG_URL,
    schema,
    owner: name,
    manifest,
    weights,
    evidenceDir,
    // Production lease timing (15 s lease, renewed every 5 s, polled every 5 s); frames sampled
    // at 2 fps, a static scene re-analysed every second (not every 10), a batch saved every 2 s.
    service: {
      capacity: 2,
      sampleFps: 2,
      batchSeconds: 2,
      analyse: { motionGate: { forceEveryS: 1 } },
      // An open violation is re-reported every 2 s (not 60 s), so the case shows each owner's frames.
      engine: { dedupe: { updateIntervalSeconds: 2 } },
      rtsp: { stallTimeoutMs: 4000, connectTimeoutMs: 8000, backoff: { initialMs: 200, maxMs: 1000 } },
    },
  };
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER_SCRIPT, JSON.stringify(args)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: WorkerEvent[] = [];
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    let nl: number;
    while ((nl = out.indexOf('\n')) >= 0) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      if (line.startsWith('{')) events.push(JSON.parse(line) as WorkerEvent);
    }
  });
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const w: WorkerProcess = { name, child, events, log: () => err, exited };
  workers.push(w);
  return w;
}

function event(w: WorkerProcess, kind: string, after = 0): WorkerEvent | undefined {
  if (w.child.exitCode !== null && w.child.exitCode !== 0) {
    throw new Error(`worker ${w.name} exited with code ${w.child.exitCode}:\n${w.log()}`);
  }
  return w.events.find((e) => e.kind === kind && Date.parse(e.at) >= after);
}

beforeAll(async () => {
  manifest = join(ROOT, 'models/catalogue/yolox-nano-coco.json');
  weights = sharedAsset('models/yolox_nano.onnx');
  const photo = sharedAsset('media/single_car.jpg');
  if (!(await postgresReachable(PG_URL))) {
    throw new Error(`the camera takeover test needs PostgreSQL at ${PG_URL} (GRIDWATCH_TEST_DATABASE_URL)`);
  }
  // The camera's view: the real photo (640×424, one car), looped as a live 5 fps H.264 stream.
  const dir = tempDir('gridwatch-camera-takeover-');
  const frame = join(dir, 'parked-car.png');
  await ffmpegCli(['-i', photo, frame]);
  rtsp = await startRtspTestServer({ width: 640, height: 424, fps: 5, frames: frame });

  schema = `gw_camera_${randomBytes(5).toString('hex')}`;
  admin = await openDatabase({ url: PG_URL });
  await admin.exec(`CREATE SCHEMA ${schema}`);
  db = await openDatabase({ url: PG_URL, schema });
  await migrate(db);
  await new SourceService(db, validateWithPipeline).create({
    ...parkedCarCamera(SOURCE_ID),
    rtspUrl: rtsp.url,
    enabled: true,
    // A short dwell for the test (the engine needs a 10 s still run before anything is parked).
    rules: { illegal_parking: { minDwellSeconds: 10 } },
  });
}, 60_000);

afterAll(async () => {
  for (const w of workers)
    if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
  await Promise.all(workers.map((w) => w.exited));
  await rtsp?.kill();
  await db?.close();
  if (admin) {
    await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.close();
  }
});

it('another worker takes the camera over within 30 s of a SIGKILL; the spanning dwell stays one case', async () => {
  const cases = new CaseService(db, await loadCategoryCodes({}));
  const leases = new CameraLeaseRepository(db);
  const casesOfCamera = async () => (await cases.list({})).items.filter((c) => c.sourceId === SOURCE_ID);

  const a = startWorker('worker-a');
  const acquiredA = await waitFor('worker-a to take the camera', () => event(a, 'acquired'), 20_000);
  // Started second, so it finds the camera taken and keeps polling.
  const b = startWorker('worker-b');
  await waitFor('worker-b to start', () => event(b, 'ready'), 20_000);

  // worker-a sees the car, tracks it as parked and opens the violation.
  const opened = await waitFor(
    'the illegal-parking case from worker-a',
    async () => (await casesOfCamera())[0],
    30_000,
  );
  expect(opened).toMatchObject({ type: 'illegal_parking', zoneId: 'kerb', status: 'candidate' });
  expect(event(b, 'acquired')).toBeUndefined();
  // Its evidence comes from the frames worker-a buffered: the camera's frames exist nowhere else.
  const evidence = new EvidenceService(db, new LocalFolderStorage(evidenceDir));
  const kinds = await waitFor(
    'evidence of the case',
    async () => {
      const k = (await evidence.list(opened.id)).map((r) => r.kind);
      return k.includes('annotated') && k.includes('clip') ? k : undefined;
    },
    10_000,
  );
  expect(kinds).toEqual(
    expect.arrayContaining(['annotated', 'crop', 'frame', 'start_frame', 'threshold_frame', 'clip']),
  );

  a.child.kill('SIGKILL');
  await a.exited;
  const killedAt = Date.now();

  const acquiredB = await waitFor('worker-b to take the camera over', () => event(b, 'acquired'), 35_000);
  const resumed = await waitFor('worker-b to store its first batch', () => event(b, 'batch'), 15_000);
  expect(Date.parse(resumed.at) - killedAt).toBeLessThan(30_000);
  expect(acquiredB.token).not.toBe(acquiredA.token);
  expect((await leases.find(SOURCE_ID))?.owner).toBe('worker-b');

  // worker-b carries on the same violation: the case is refreshed with frames worker-b saw. A
  // fresh engine could not do that: it would need a new 10 s still run and open a second case.
  const takenOverAt = Date.parse(acquiredB.at);
  const refreshed = await waitFor(
    'worker-b to refresh the case',
    async () => {
      const [c] = await casesOfCamera();
      return c && Date.parse(c.lastSeen) > takenOverAt ? c : undefined;
    },
    15_000,
  );
  const all = await casesOfCamera();
  expect(all).toHaveLength(1);
  const only = all[0]!;
  expect(only.id).toBe(opened.id);
  expect(only.firstSeen).toBe(opened.firstSeen);
  expect(Date.parse(only.firstSeen)).toBeLessThan(killedAt);
  expect(Date.parse(only.lastSeen)).toBeGreaterThanOrEqual(Date.parse(refreshed.lastSeen));
  // The dwell runs from worker-a's first sight of the car through the takeover gap.
  const spanS = (Date.parse(only.lastSeen) - Date.parse(only.firstSeen)) / 1000;
  expect(only.dwellSeconds).toBeGreaterThanOrEqual(spanS - 2);
  expect((await cases.events(only.id)).filter((e) => e.action === 'created')).toHaveLength(1);

  // A clean stop (SIGTERM) saves the last batch and hands the lease back at once.
  b.child.kill('SIGTERM');
  await waitFor('worker-b to stop', () => event(b, 'stopped'), 15_000);
  await b.exited;
  expect(b.child.exitCode).toBe(0);
  expect(await leases.find(SOURCE_ID)).toBeUndefined();
  expect((await leases.loadState(SOURCE_ID))?.state).toMatchObject({ version: 1, sourceId: SOURCE_ID });
}, 120_000);
