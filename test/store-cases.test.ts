import { migrationFiles } from './support/migration-files.js';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { InvalidInputError } from '../common/errors.js';
import {
  InvalidCursorError,
  InvalidTransitionError,
  NotFoundError,
  VersionConflictError,
} from '../cases/case-errors.js';
import { CaseService } from '../cases/case-service.js';
import { loadCategoryCodes } from '../cases/category-codes.js';
import type { ViolationInput } from '../cases/violation-input.js';
import { migrate } from '../repositories/database-migrations.js';
import type { Database } from '../repositories/database-repository.js';
import { openScratchDatabase, type ScratchDatabase } from '../repositories/database-scratch.js';
import { describeEngines, PG_URL } from './support/database-engines.js';

function violation(over: Partial<ViolationInput> = {}): ViolationInput {
  return {
    violationId: `cam-store:bus-stop:${randomUUID()}`,
    type: 'illegal_parking',
    confidence: 0.82,
    sourceId: 'cam-store',
    zoneId: 'bus-stop',
    location: { lat: 30.2741, lon: 120.1551 },
    address: '杭州市西湖区文三路 12 号',
    gridCell: '330106001001001',
    firstSeen: '2026-03-01T08:00:00Z',
    lastSeen: '2026-03-01T08:04:00Z',
    dwellSeconds: 240,
    model: { name: 'yolox-nano-coco', version: '1.0.0' },
    ruleParams: { minDwellSeconds: 180 },
    evidence: [
      {
        kind: 'start_frame',
        key: 'ev/a.jpg',
        contentType: 'image/jpeg',
        sha256: 'a'.repeat(64),
        bytes: 1200,
      },
    ],
    ...over,
  };
}

describeEngines('case store on $engine', (kind) => {
  let scratch: ScratchDatabase;
  let db: Database;
  let cases: CaseService;
  let concurrentMigrations: string[][];

  beforeAll(async () => {
    scratch = await openScratchDatabase(kind, PG_URL);
    db = scratch.db;
    // Two "servers" starting at once on an empty database.
    const other = await scratch.openAnother();
    concurrentMigrations = await Promise.all([migrate(db), migrate(other)]);
    cases = new CaseService(db, await loadCategoryCodes({ regionCode: '330106' }));
  });

  afterAll(async () => {
    await scratch?.dispose();
  });

  it('applies each migration once when two instances start together', async () => {
    // Every file in migrations/, each applied by exactly one of the two instances.
    const files = await migrationFiles();
    expect(files.length).toBeGreaterThanOrEqual(6);
    expect(concurrentMigrations.flat().sort()).toEqual(files);
    const rows = await db.query<{ n: number }>('SELECT count(*) AS n FROM schema_migrations');
    expect(Number(rows.rows[0]?.n)).toBe(files.length);
    expect(await migrate(db)).toEqual([]);
  });

  it('creates a candidate with the configured category and a created event', async () => {
    const { case: c, created } = await cases.upsertFromViolation(violation({ type: 'street_vendor' }));
    expect(created).toBe(true);
    expect(c).toMatchObject({
      status: 'candidate',
      type: 'street_vendor',
      category: { code: '09006', name: '占道经营', fullCode: '33010609006' },
      location: { lat: 30.2741, lon: 120.1551 },
      gridCell: '330106001001001',
      dwellSeconds: 240,
      model: { name: 'yolox-nano-coco', version: '1.0.0' },
      ruleParams: { minDwellSeconds: 180 },
      version: 1,
    });
    expect(c.firstSeen).toBe('2026-03-01T08:00:00.000Z');
    const events = await cases.events(c.id);
    expect(events).toMatchObject([
      { action: 'created', actor: 'system', fromStatus: null, toStatus: 'candidate' },
    ]);
  });

  it('uses a local code without region prefix for exposed soil', async () => {
    const { case: c } = await cases.upsertFromViolation(violation({ type: 'exposed_soil' }));
    expect(c.category).toEqual({ code: 'LOCAL-SOIL', name: '裸土未覆盖', fullCode: null });
  });

  it('upserting the same violation again neither duplicates nor re-announces it', async () => {
    const v = violation();
    const first = await cases.upsertFromViolation(v);
    const again = await cases.upsertFromViolation(v);
    expect(again).toMatchObject({ created: false, updated: false });
    expect(again.case.id).toBe(first.case.id);
    const all = await db.query<{ n: number }>('SELECT count(*) AS n FROM cases WHERE violation_id = $1', [
      v.violationId,
    ]);
    expect(all.rows[0]?.n).toBe(1);
    expect((await cases.events(first.case.id)).filter((e) => e.action === 'created')).toHaveLength(1);
  });

  it('concurrent retries of one violation make one case', async () => {
    const v = violation();
    const results = await Promise.all(Array.from({ length: 6 }, () => cases.upsertFromViolation(v)));
    expect(new Set(results.map((r) => r.case.id)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
  });

  it('takes a newer observation and ignores a stale replay', async () => {
    const v = violation();
    const { case: c } = await cases.upsertFromViolation(v);
    const newer = await cases.upsertFromViolation({
      ...v,
      lastSeen: '2026-03-01T08:09:00Z',
      dwellSeconds: 540,
      confidence: 0.9,
    });
    expect(newer).toMatchObject({ created: false, updated: true });
    expect(newer.case).toMatchObject({ id: c.id, dwellSeconds: 540, confidence: 0.9, version: 1 });
    const stale = await cases.upsertFromViolation({
      ...v,
      lastSeen: '2026-03-01T08:05:00Z',
      dwellSeconds: 300,
    });
    expect(stale).toMatchObject({ created: false, updated: false });
    expect(stale.case.dwellSeconds).toBe(540);
  });

  it('leaves a decided case alone when its violation is replayed', async () => {
    const v = violation();
    const { case: c } = await cases.upsertFromViolation(v);
    await cases.reject(c.id, { expectedVersion: 1, actor: 'r1', reason: 'false_detection' });
    const replay = await cases.upsertFromViolation({
      ...v,
      lastSeen: '2026-03-01T09:00:00Z',
      dwellSeconds: 3600,
    });
    expect(replay.case).toMatchObject({ status: 'rejected', dwellSeconds: 240 });
  });

  it('refuses malformed violations', async () => {
    await expect(cases.upsertFromViolation({ ...violation(), type: 'jaywalking' })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(cases.upsertFromViolation(violation({ firstSeen: 'yesterday' }))).rejects.toThrow(
      /not a valid time/,
    );
    await expect(
      cases.upsertFromViolation(
        violation({ firstSeen: '2026-03-01T09:00:00Z', lastSeen: '2026-03-01T08:00:00Z' }),
      ),
    ).rejects.toThrow(/before firstSeen/);
    await expect(cases.upsertFromViolation(violation({ confidence: 1.5 }))).rejects.toBeInstanceOf(
      InvalidInputError,
    );
  });

  it('walks confirm → dispatched → closed, recording who, when and why', async () => {
    const { case: c } = await cases.upsertFromViolation(violation());
    const confirmed = await cases.confirm(c.id, {
      expectedVersion: 1,
      actor: 'alice',
      description: '公交站占用',
    });
    expect(confirmed).toMatchObject({
      status: 'confirmed',
      version: 2,
      decidedBy: 'alice',
      description: '公交站占用',
    });
    expect(confirmed.decidedAt).not.toBeNull();
    const dispatched = await cases.markDispatched(c.id, { actor: 'platform', note: 'ticket 7781' });
    const closed = await cases.close(c.id, {
      actor: 'platform',
      expectedVersion: dispatched.version,
      closure: 'overdue',
    });
    expect(closed).toMatchObject({ status: 'closed', closure: 'overdue', version: 4 });
    const events = await cases.events(c.id);
    expect(events.map((e) => [e.action, e.actor, e.fromStatus, e.toStatus])).toEqual([
      ['created', 'system', null, 'candidate'],
      ['confirmed', 'alice', 'candidate', 'confirmed'],
      ['dispatched', 'platform', 'confirmed', 'dispatched'],
      ['closed', 'platform', 'dispatched', 'closed'],
    ]);
    expect(events[2]?.details).toEqual({ note: 'ticket 7781' });
    expect(events[3]?.reason).toBe('overdue');
  });

  it('rejects with a reason and expires undecided candidates', async () => {
    const { case: a } = await cases.upsertFromViolation(violation());
    const rejected = await cases.reject(a.id, {
      expectedVersion: 1,
      actor: 'bob',
      reason: 'duplicate',
      text: ' same car ',
    });
    expect(rejected.rejection).toEqual({ reason: 'duplicate', text: 'same car' });
    const { case: b } = await cases.upsertFromViolation(violation());
    await expect(cases.reject(b.id, { expectedVersion: 1, actor: 'bob', reason: 'other' })).rejects.toThrow(
      /needs a text/,
    );
    expect((await cases.expire(b.id)).status).toBe('expired');
  });

  it('refuses forbidden transitions with a 409-class error and writes no event', async () => {
    const { case: c } = await cases.upsertFromViolation(violation());
    await expect(cases.markDispatched(c.id, { actor: 'x' })).rejects.toBeInstanceOf(InvalidTransitionError);
    await expect(cases.close(c.id, { actor: 'x' })).rejects.toBeInstanceOf(InvalidTransitionError);
    await cases.reject(c.id, { expectedVersion: 1, actor: 'bob', reason: 'not_a_violation' });
    await expect(cases.confirm(c.id, { expectedVersion: 2, actor: 'alice' })).rejects.toMatchObject({
      code: 'INVALID_TRANSITION',
      details: { currentStatus: 'rejected', allowed: [] },
    });
    await expect(cases.expire(c.id)).rejects.toBeInstanceOf(InvalidTransitionError);
    expect((await cases.events(c.id)).map((e) => e.action)).toEqual(['created', 'rejected']);
  });

  it('lets exactly one of two concurrent decisions on the same version win', async () => {
    const { case: c } = await cases.upsertFromViolation(violation());
    const outcomes = await Promise.allSettled([
      cases.confirm(c.id, { expectedVersion: 1, actor: 'alice' }),
      cases.reject(c.id, { expectedVersion: 1, actor: 'bob', reason: 'false_detection' }),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const failed = outcomes.find((o) => o.status === 'rejected');
    expect(failed?.reason).toBeInstanceOf(VersionConflictError);
    expect((failed?.reason as VersionConflictError).details).toMatchObject({ currentVersion: 2 });
    expect(await cases.events(c.id)).toHaveLength(2);
  });

  it('lets a reviewer correct the type and the code', async () => {
    const { case: a } = await cases.upsertFromViolation(violation({ type: 'garbage_pile' }));
    const retyped = await cases.confirm(a.id, { expectedVersion: 1, actor: 'alice', type: 'bin_overflow' });
    expect(retyped).toMatchObject({
      type: 'bin_overflow',
      category: { code: '06042', fullCode: '33010606042' },
    });
    const { case: b } = await cases.upsertFromViolation(violation({ type: 'street_vendor' }));
    const recoded = await cases.confirm(b.id, { expectedVersion: 1, actor: 'alice', code: '09005' });
    expect(recoded).toMatchObject({ type: 'street_vendor', category: { code: '09005', name: '店外经营' } });
    const { case: c } = await cases.upsertFromViolation(violation());
    await expect(cases.confirm(c.id, { expectedVersion: 1, actor: 'alice', code: '99999' })).rejects.toThrow(
      /not in the GB\/T 47678.5-2026 table/,
    );
  });

  it('reports unknown and malformed ids as not found', async () => {
    await expect(cases.get(randomUUID())).rejects.toBeInstanceOf(NotFoundError);
    await expect(cases.get('../etc/passwd')).rejects.toBeInstanceOf(NotFoundError);
    await expect(cases.confirm('nope', { expectedVersion: 1, actor: 'a' })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(cases.events(randomUUID())).rejects.toBeInstanceOf(NotFoundError);
  });

  it('pages newest first with an opaque cursor and rejects forged ones', async () => {
    const sourceId = `cam-page-${randomUUID().slice(0, 8)}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await cases.upsertFromViolation(violation({ sourceId }))).case.id);
    const p1 = await cases.list({ sourceId }, { limit: 2 });
    const p2 = await cases.list({ sourceId }, { limit: 2, cursor: p1.nextCursor as string });
    const p3 = await cases.list({ sourceId }, { limit: 2, cursor: p2.nextCursor as string });
    expect([...p1.items, ...p2.items, ...p3.items].map((c) => c.id)).toEqual([...ids].reverse());
    expect(p3.nextCursor).toBeNull();
    await expect(cases.list({}, { cursor: 'garbage!' })).rejects.toBeInstanceOf(InvalidCursorError);
    const forged = Buffer.from(JSON.stringify(['sources', 5])).toString('base64url');
    await expect(cases.list({}, { cursor: forged })).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(cases.list({}, { limit: 0 })).rejects.toBeInstanceOf(InvalidInputError);
  });
  it('renders in SQL exactly the case JSON the service builds, for every kind of field', async () => {
    const sourceId = `cam-json-${randomUUID().slice(0, 8)}`;
    const odd = 'quote " backslash \\ newline \n tab \t bell \u0007 emoji 🚗 杭州 </script>';
    const full = await cases.upsertFromViolation(
      violation({
        sourceId,
        address: odd,
        ruleParams: { minDwellSeconds: 180, nested: { list: [1, 2.5, 'x'], flag: true, none: null } },
        confidence: 0.1 + 0.2,
        dwellSeconds: 1e-7,
        // Sub-millisecond input: both renderings must cut it the same way.
        firstSeen: '2026-03-01T08:00:00.123Z',
        lastSeen: '2026-03-01T08:04:00.999Z',
      }),
    );
    const bare = await cases.upsertFromViolation(
      violation({
        sourceId,
        type: 'exposed_soil',
        confidence: 1,
        zoneId: undefined,
        location: undefined,
        address: undefined,
        gridCell: undefined,
        model: undefined,
        ruleParams: {},
        evidence: [],
        dwellSeconds: 0,
      }),
    );
    const confirmed = await cases.upsertFromViolation(violation({ sourceId }));
    await cases.confirm(confirmed.case.id, {
      expectedVersion: 1,
      actor: 'reviewer "Li"',
      type: 'street_vendor',
      description: odd,
    });
    const rejected = await cases.upsertFromViolation(violation({ sourceId, confidence: 0 }));
    await cases.reject(rejected.case.id, { expectedVersion: 1, actor: 'r', reason: 'other', text: odd });
    const closed = await cases.upsertFromViolation(violation({ sourceId }));
    await cases.confirm(closed.case.id, { expectedVersion: 1, actor: 'r' });
    await cases.markDispatched(closed.case.id, { actor: 'dispatch' });
    await cases.close(closed.case.id, { actor: 'dispatch', closure: 'overdue', note: 'late' });

    const ids = [full, bare, confirmed, rejected, closed].map((u) => u.case.id);
    // What a route serialising the service's Case sends, parsed back.
    const served = async (id: string) => JSON.parse(JSON.stringify(await cases.get(id))) as unknown;
    for (const id of ids) expect(JSON.parse(await cases.getJson(id))).toEqual(await served(id));
    const page = await cases.listJson({ sourceId });
    expect(page.items.map((j) => JSON.parse(j) as unknown)).toEqual(
      await Promise.all([...ids].reverse().map(served)),
    );
    expect((await cases.list({ sourceId })).items.map((c) => c.id)).toEqual([...ids].reverse());
    await expect(cases.getJson(randomUUID())).rejects.toBeInstanceOf(NotFoundError);
    await expect(cases.getJson('../etc/passwd')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('pages a closed time window newest first, the window half-open', async () => {
    const sourceId = `cam-week-${randomUUID().slice(0, 8)}`;
    const at = (day: number) => `2026-04-${String(day).padStart(2, '0')}T08:00:00Z`;
    const made: { id: string; day: number }[] = [];
    // Inserted out of time order, so seq order and first_seen order differ.
    for (const day of [3, 9, 1, 5, 8, 2]) {
      const c = (
        await cases.upsertFromViolation(violation({ sourceId, firstSeen: at(day), lastSeen: at(day) }))
      ).case;
      made.push({ id: c.id, day });
    }
    const window = { sourceId, firstSeenFrom: new Date(at(2)), firstSeenTo: new Date(at(8)) };
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await cases.list(window, { limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const expected = made.filter((m) => m.day >= 2 && m.day < 8).map((m) => m.id);
    expect(seen).toEqual(expected.reverse());
  });

  it('pages a bounding box the same whether the box is dense or sparse among recent cases', async () => {
    const sourceId = `cam-box-${randomUUID().slice(0, 8)}`;
    const inside: string[] = [];
    // Three cases inside a small box at (lat 22.5, lon 114.05), interleaved with cases outside it.
    for (let i = 0; i < 6; i++) {
      const location = i % 2 === 0 ? { lat: 22.5 + i * 0.001, lon: 114.05 } : { lat: 23.5, lon: 115.05 };
      const c = (await cases.upsertFromViolation(violation({ sourceId, location }))).case;
      if (i % 2 === 0) inside.push(c.id);
    }
    const bbox = { minLon: 114.0, minLat: 22.4, maxLon: 114.1, maxLat: 22.6 };
    const walk = async (limit: number): Promise<string[]> => {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await cases.list({ sourceId, bbox }, { limit, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((c) => c.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return seen;
    };
    // Limit 1: every page is found among the newest cases; limit 50: the spatial index answers.
    expect(await walk(1)).toEqual([...inside].reverse());
    expect(await walk(50)).toEqual([...inside].reverse());
    // A box's edges are inside it.
    const edge = await cases.list({
      sourceId,
      bbox: { minLon: 114.05, minLat: 22.5, maxLon: 114.05, maxLat: 22.5 },
    });
    expect(edge.items.map((c) => c.id)).toEqual([inside[0]]);
  });
});
