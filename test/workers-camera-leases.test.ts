/**
 * Camera leases on both engines: acquisition only when free or expired, renewal and release only
 * with the current token, fencing of state writes, the free-camera query, and the lease manager's
 * reactions (capacity, a stolen lease aborts its task, stop() hands leases back).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SourceService } from '../cases/source-service.js';
import { CameraLeaseRepository, type CameraLease } from '../repositories/database-camera-leases.js';
import { migrate } from '../repositories/database-migrations.js';
import type { Database } from '../repositories/database-repository.js';
import { openScratchDatabase, type ScratchDatabase } from '../repositories/database-scratch.js';
import { CameraLeaseManager, CameraShutdown, LeaseLostError } from '../workers/camera-lease-manager.js';
import { describeEngines, PG_URL } from './support/database-engines.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TTL = 60_000;

function camera(id: string, extra: Record<string, unknown> = {}) {
  return {
    id,
    name: id,
    kind: 'camera',
    rtspUrl: `rtsp://user:pw@cam.example/${id}`,
    zones: [],
    rules: {},
    ...extra,
  };
}

describeEngines('camera leases on $engine', (kind) => {
  let scratch: ScratchDatabase;
  let db: Database;
  let leases: CameraLeaseRepository;

  beforeAll(async () => {
    scratch = await openScratchDatabase(kind, PG_URL);
    db = scratch.db;
    await migrate(db);
    leases = new CameraLeaseRepository(db);
    const sources = new SourceService(db);
    for (const id of ['cam-a', 'cam-b', 'cam-c']) await sources.create(camera(id));
    await sources.create(camera('cam-off', { enabled: false }));
    await sources.create({ id: 'drone-1', name: 'd', kind: 'drone', zones: [], rules: {} });
  });

  afterAll(async () => {
    await scratch?.dispose();
  });

  beforeEach(async () => {
    await db.exec('DELETE FROM camera_leases; DELETE FROM camera_state');
  });

  it('gives a live lease to one owner only, and a lapsed one to the next with a new token', async () => {
    // A TTL long enough that a loaded CI machine cannot let it lapse between the next two calls.
    const a = await leases.acquire('cam-a', 'worker-a', 1500);
    expect(a).toMatchObject({ sourceId: 'cam-a', owner: 'worker-a' });
    expect(await leases.acquire('cam-a', 'worker-b', TTL)).toBeNull();
    await sleep(1600);
    const b = await leases.acquire('cam-a', 'worker-b', TTL);
    expect(b).toMatchObject({ owner: 'worker-b' });
    expect(b!.token).not.toBe(a!.token);
    // The old owner can neither renew nor release what is no longer its lease.
    expect(await leases.renew(a!, TTL)).toBeNull();
    expect(await leases.release(a!)).toBe(false);
    expect((await leases.find('cam-a'))?.owner).toBe('worker-b');
  });

  it('renews only with the current token; a lapsed lease nobody took is still the holder’s', async () => {
    const a = (await leases.acquire('cam-a', 'worker-a', 30))!;
    await sleep(50);
    const renewed = await leases.renew(a, TTL);
    expect(renewed?.token).toBe(a.token);
    expect(Date.parse(renewed!.expiresAt)).toBeGreaterThan(Date.parse(a.expiresAt));
    expect(await leases.acquire('cam-a', 'worker-b', TTL)).toBeNull();
    expect(await leases.release(a)).toBe(true);
    expect(await leases.find('cam-a')).toBeUndefined();
  });

  it('fences state writes: a paused old owner cannot overwrite the new owner’s state', async () => {
    const a = (await leases.acquire('cam-b', 'worker-a', 40))!;
    expect(await leases.saveState(a, { from: 'a', n: 1 })).toBe(true);
    await sleep(60); // worker-a "pauses" past its lease
    const b = (await leases.acquire('cam-b', 'worker-b', TTL))!;
    expect((await leases.loadState('cam-b'))?.state).toEqual({ from: 'a', n: 1 });
    expect(await leases.saveState(b, { from: 'b', n: 2 })).toBe(true);
    // worker-a wakes up and tries to save its stale batch.
    expect(await leases.saveState(a, { from: 'a', n: 3 })).toBe(false);
    expect((await leases.loadState('cam-b'))?.state).toEqual({ from: 'b', n: 2 });
    // Without any lease nobody writes.
    await leases.release(b);
    expect(await leases.saveState(b, { from: 'b', n: 4 })).toBe(false);
    expect((await leases.loadState('cam-b'))?.state).toEqual({ from: 'b', n: 2 });
  });

  it('lists enabled cameras with a stream and no live lease', async () => {
    expect(await leases.freeCameras(10)).toEqual(['cam-a', 'cam-b', 'cam-c']);
    await leases.acquire('cam-a', 'worker-a', TTL);
    await leases.acquire('cam-c', 'worker-a', 20);
    await sleep(40);
    // cam-c's lease ran out: it comes first, before never-leased cameras.
    expect(await leases.freeCameras(10)).toEqual(['cam-c', 'cam-b']);
    expect(await leases.freeCameras(1)).toEqual(['cam-c']);
  });

  if (kind === 'postgres') {
    it('lets exactly one of two workers racing for a camera win', async () => {
      const other = new CameraLeaseRepository(await scratch.openAnother());
      for (let round = 0; round < 5; round++) {
        await db.exec('DELETE FROM camera_leases');
        const won = await Promise.all([
          leases.acquire('cam-a', 'worker-a', TTL),
          other.acquire('cam-a', 'worker-b', TTL),
        ]);
        expect(won.filter(Boolean)).toHaveLength(1);
      }
    });
  }

  describe('lease manager', () => {
    interface Running {
      lease: CameraLease;
      signal: AbortSignal;
      ended: Promise<void>;
    }

    function manager(owner: string, capacity: number, running: Running[]): CameraLeaseManager {
      // Long intervals: the test drives polls and renewals itself.
      return new CameraLeaseManager(
        leases,
        (lease, signal) => {
          const ended = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
          running.push({ lease, signal, ended });
          return ended;
        },
        { owner, capacity, ttlMs: TTL, renewEveryMs: TTL / 2, pollEveryMs: TTL },
      );
    }

    it('takes up to its capacity, aborts a task whose lease was taken, and hands back on stop', async () => {
      const runA: Running[] = [];
      const runB: Running[] = [];
      const a = manager('worker-a', 2, runA);
      const b = manager('worker-b', 2, runB);
      await a.start();
      await b.start();
      try {
        expect(
          a
            .leases()
            .map((l) => l.sourceId)
            .sort(),
        ).toEqual(['cam-a', 'cam-b']);
        expect(b.leases().map((l) => l.sourceId)).toEqual(['cam-c']);

        // cam-a's lease lapses (as if worker-a had hung) and worker-b takes it.
        await db.query(
          `UPDATE camera_leases SET expires_at = now() - interval '1 second' WHERE source_id = 'cam-a'`,
        );
        await b.pollOnce();
        expect(
          b
            .leases()
            .map((l) => l.sourceId)
            .sort(),
        ).toEqual(['cam-a', 'cam-c']);
        await a.renewOnce();
        const lostTask = runA.find((r) => r.lease.sourceId === 'cam-a')!;
        await lostTask.ended;
        expect(lostTask.signal.reason).toBeInstanceOf(LeaseLostError);
        await sleep(0);
        expect(a.leases().map((l) => l.sourceId)).toEqual(['cam-b']);
        // Losing a camera did not release worker-b's lease on it.
        expect((await leases.find('cam-a'))?.owner).toBe('worker-b');
      } finally {
        await a.stop();
        await b.stop();
      }
      expect(runB.every((r) => r.signal.reason instanceof CameraShutdown)).toBe(true);
      expect(await db.query('SELECT * FROM camera_leases')).toMatchObject({ rows: [] });
    });
  });
});
