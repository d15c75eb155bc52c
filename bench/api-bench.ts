/**
 * npm run bench:api — case list and detail latency of the real API on PostgreSQL with 100,000
 * cases (issue 6 target: p99 ≤ 50 ms at 500 requests/s; printed, never asserted).
 *
 * A scratch database (created and dropped here, never the public schema of `test`) is migrated,
 * seeded with one INSERT … SELECT generate_series (plus their audit-trail rows), then vacuumed
 * and checkpointed, as autovacuum and the checkpointer would leave a live table. The API runs
 * through createApiRuntime in a child process of this script, as `gridwatch serve` would, so that
 * the load (in this process) does not share its event loop. Each route gets --seconds (10) of
 * evenly paced, open-loop requests at 500 req/s (paced-load.ts: latency counted from when each
 * request was due) after one unmeasured 2 s warm-up, then list and detail get an unthrottled
 * autocannon run for throughput.
 * On a small machine the API, PostgreSQL and the load generator compete for the same cores: each
 * run prints the machine's cores busy (from /proc/stat) and how late the generator itself sent.
 */
import autocannon from 'autocannon';
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../common/app-config.js';
import { createApiRuntime, openStore } from '../api/api-runtime.js';
import { openDatabase } from '../repositories/database-repository.js';
import { table } from './bench-stats.js';
import { coresBusy, cpuTimes } from './machine-cpu.js';
import { pacedLoad } from './paced-load.js';
import { writeSummary, type SummaryRow } from './bench-summary-support.js';

const CASES = 100_000;
const RATE = 500;
const TARGET_P99_MS = 50;
// Paced runs' connections: requests due beyond that wait in the client, and the wait counts.
// Hundreds of sockets only measured the client thrashing.
const MAX_IN_FLIGHT = 32;
const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    summary: { type: 'string' },
    // The API child process of this script.
    serve: { type: 'boolean', default: false },
  },
});
const seconds = Number(args.seconds);
const BASE_URL =
  process.env.GRIDWATCH_TEST_DATABASE_URL ??
  process.env.DATABASE_URL ??
  'postgres://root@127.0.0.1:5432/test';

/**
 * Cases in insertion order over ~6 months (one every ~150 s), so seq and first_seen agree as they
 * do in production; types, statuses and sources skewed like a real deployment (parking dominates,
 * a few busy cameras, some drone flights; recent cases still undecided).
 */
const SEED_SQL = `
SELECT setseed(0.42);
-- 100,000 NOTIFYs nobody listens to yet would only slow the seed down.
ALTER TABLE cases DISABLE TRIGGER cases_change_notify;
INSERT INTO cases (violation_id, violation_type, category_code, category_name, status, confidence,
  source_id, zone_id, latitude, longitude, address, first_seen, last_seen, dwell_seconds,
  model_name, model_version, rule_params, evidence, reject_reason, closure, decided_at, decided_by,
  version, created_at, updated_at)
SELECT 'bench-' || g, type,
  CASE type WHEN 'illegal_parking' THEN '09009' WHEN 'street_vendor' THEN '09006'
    WHEN 'bin_overflow' THEN '06042' WHEN 'garbage_pile' THEN '06010' ELSE 'LOCAL-SOIL' END,
  CASE type WHEN 'illegal_parking' THEN '机动车乱停放' WHEN 'street_vendor' THEN '占道经营'
    WHEN 'bin_overflow' THEN '垃圾站（箱）满溢' WHEN 'garbage_pile' THEN '暴露垃圾' ELSE '裸土未覆盖' END,
  status, round((0.35 + 0.65 * rc)::numeric, 3)::float8, source_id, source_id || '-zone-' || (1 + g % 3),
  lat, lon, 'No. ' || (1 + g % 997) || ' Bench Road', first_seen,
  first_seen + dwell * interval '1 second', dwell, 'gridwatch-yolo', '2026.05',
  jsonb_build_object('minDwellSeconds', 60, 'minConfidence', 0.35),
  jsonb_build_array(
    jsonb_build_object('kind', 'annotated', 'key', 'cases/' || g || '/annotated.jpg',
      'contentType', 'image/jpeg', 'sha256', md5(g::text) || md5('a' || g), 'bytes', 90000 + g % 40000),
    jsonb_build_object('kind', 'crop', 'key', 'cases/' || g || '/crop.jpg',
      'contentType', 'image/jpeg', 'sha256', md5('c' || g) || md5('d' || g), 'bytes', 20000 + g % 9000),
    jsonb_build_object('kind', 'clip', 'key', 'cases/' || g || '/clip.mp4',
      'contentType', 'video/mp4', 'sha256', md5('e' || g) || md5('f' || g), 'bytes', 900000 + g % 300000)),
  CASE WHEN status = 'rejected' THEN (ARRAY['false_detection', 'not_a_violation', 'duplicate', 'other'])[1 + g % 4] END,
  CASE WHEN status = 'closed' THEN 'normal' END,
  CASE WHEN status IN ('confirmed', 'rejected', 'dispatched', 'closed')
    THEN first_seen + dwell * interval '1 second' + interval '20 minutes' END,
  CASE WHEN status IN ('confirmed', 'rejected', 'dispatched', 'closed') THEN 'key:bench-reviewer' END,
  CASE WHEN status = 'candidate' THEN 1 WHEN status IN ('confirmed', 'rejected', 'expired') THEN 2 ELSE 3 END,
  first_seen + dwell * interval '1 second', first_seen + dwell * interval '1 second'
FROM (
  SELECT g, rc, first_seen, dwell,
    CASE WHEN rt < 0.50 THEN 'illegal_parking' WHEN rt < 0.65 THEN 'street_vendor'
      WHEN rt < 0.80 THEN 'bin_overflow' WHEN rt < 0.92 THEN 'garbage_pile' ELSE 'exposed_soil' END AS type,
    CASE WHEN g > ${CASES} - 2000 OR rs < 0.05 THEN 'candidate' WHEN rs < 0.30 THEN 'rejected'
      WHEN rs < 0.38 THEN 'confirmed' WHEN rs < 0.48 THEN 'dispatched' WHEN rs < 0.90 THEN 'closed'
      ELSE 'expired' END AS status,
    CASE WHEN drone THEN 'drone-' || lpad((1 + g % 8)::text, 2, '0') ELSE 'cam-' || lpad(cam::text, 3, '0') END AS source_id,
    CASE WHEN drone THEN 31.15 + 0.2 * rx ELSE 31.16 + (cam % 7) * 0.025 + 0.0004 * rx END AS lat,
    CASE WHEN drone THEN 121.35 + 0.2 * ry ELSE 121.38 + (cam / 7) * 0.025 + 0.0004 * ry END AS lon
  FROM (
    SELECT g, random() AS rt, random() AS rs, random() AS rc, random() AS rx, random() AS ry,
      random() < 0.1 AS drone, 1 + floor(40 * random() ^ 2)::int AS cam,
      timestamptz '2026-05-01T00:00:00Z' + g * interval '150 seconds' + random() * interval '120 seconds' AS first_seen,
      round((60 + 1800 * random() ^ 3)::numeric, 1)::float8 AS dwell
    FROM generate_series(1, ${CASES}) AS g
  ) AS r
) AS c
ORDER BY g;
ALTER TABLE cases ENABLE TRIGGER cases_change_notify;
-- The audit trail the API reads: one 'created' row per case, one decision row where decided.
INSERT INTO case_events (case_id, at, actor, action, from_status, to_status, reason, details)
SELECT id, created_at, 'engine', 'created', NULL, 'candidate', NULL, '{}'::jsonb FROM cases
UNION ALL
SELECT id, COALESCE(decided_at, updated_at), COALESCE(decided_by, 'system'),
  CASE WHEN status IN ('rejected', 'expired') THEN status ELSE 'confirmed' END,
  'candidate', CASE WHEN status IN ('rejected', 'expired') THEN status ELSE 'confirmed' END,
  reject_reason, '{}'::jsonb
FROM cases WHERE status <> 'candidate';
`;

/**
 * What autovacuum does to a table soon after a bulk insert (its insert threshold is 20% of the
 * table): statistics, hint bits and the visibility map. Without it every page the load first reads
 * gets written, and index-only scans go to the heap (a week's list: 22 ms instead of 1.5 ms),
 * which measures a state a server is in for a minute, not the one it serves from. VACUUM cannot
 * run inside the seed's implicit transaction, so it is a statement of its own.
 */
const SETTLE_SQL = ['VACUUM ANALYZE cases', 'VACUUM ANALYZE case_events'];

/** Child mode: the API as `gridwatch serve` runs it, on the scratch database, with a reviewer key. */
async function serve(): Promise<void> {
  const runtime = await createApiRuntime(loadConfig(), { logger: false });
  const { key } = await runtime.services.keys.create('reviewer', 'bench');
  await runtime.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = runtime.app.server.address() as AddressInfo;
  process.send?.({ port, key });
  process.once('SIGTERM', () => {
    void runtime.close().finally(() => process.exit(0));
  });
}

function startServer(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; port: number; key: string }> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], { env, stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve({ child, ...(m as { port: number; key: string }) }));
    child.once('exit', (code) => reject(new Error(`API process exited (${code}) before listening`)));
  });
}

interface Run {
  route: string;
  rate: number | undefined;
  /** A fresh path per request, so ids and cursors vary. */
  path: () => string;
}

interface RunFigures {
  p50: number;
  p99: number;
  reqPerS: number;
  failed: number;
  /** Paced runs: p99 of how late the load generator itself sent requests. */
  sendLagP99?: number;
  /** Paced runs: requests that fell due while all MAX_IN_FLIGHT connections awaited the server. */
  slotWaits?: number;
}

async function load(base: string, key: string, run: Run, runSeconds = seconds): Promise<RunFigures> {
  const headers = { authorization: `Bearer ${key}` };
  if (run.rate) {
    const r = await pacedLoad({
      url: base,
      rate: run.rate,
      seconds: runSeconds,
      headers,
      path: run.path,
      maxInFlight: MAX_IN_FLIGHT,
    });
    return {
      p50: r.latencyMs.p50,
      p99: r.latencyMs.p99,
      reqPerS: r.achievedRate,
      failed: r.failed,
      sendLagP99: r.sendLagMs.p99,
      slotWaits: r.slotWaits,
    };
  }
  const r = await autocannon({
    url: base,
    connections: 16,
    duration: runSeconds,
    headers,
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: run.path() }) }],
  });
  return { p50: r.latency.p50, p99: r.latency.p99, reqPerS: r.requests.average, failed: r.non2xx + r.errors };
}

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

async function main(): Promise<void> {
  const name = `gw_bench_${randomBytes(5).toString('hex')}`;
  const admin = await openDatabase({ url: BASE_URL });
  const url = new URL(BASE_URL);
  url.pathname = `/${name}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'gridwatch-api-bench-'));
  const env = {
    ...process.env,
    DATABASE_URL: url.toString(),
    GRIDWATCH_DATA_DIR: dataDir,
    // The per-key limit guards production; here it would only measure 429s.
    GRIDWATCH_RATE_LIMIT: '1000000',
  };
  let server: ChildProcess | undefined;
  try {
    await admin.exec(`CREATE DATABASE ${name}`);
    const { db } = await openStore(loadConfig(env));
    const t0 = performance.now();
    try {
      await db.exec(SEED_SQL);
      for (const sql of SETTLE_SQL) await db.exec(sql);
      // The seed's dirty pages written now rather than by the checkpointer during the first run.
      await db.exec('CHECKPOINT').catch((err: unknown) => {
        console.warn(`CHECKPOINT refused (${String(err)}); the first run may share the disk with it`);
      });
    } finally {
      await db.close();
    }
    console.log(`seeded ${CASES} cases (+ events) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const started = await startServer(env);
    server = started.child;
    const base = `http://127.0.0.1:${started.port}`;
    const auth = { authorization: `Bearer ${started.key}` };
    const get = async (path: string): Promise<{ items: { id: string }[]; nextCursor: string | null }> => {
      const res = await fetch(base + path, { headers: auth });
      if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as { items: { id: string }[]; nextCursor: string | null };
    };

    // Walk the whole list once through the API (a check that pagination sees every case) and keep
    // cursors at every depth for the deep-page run; clients cannot build cursors themselves.
    const ids: string[] = [];
    const cursors: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await get(`/cases?limit=200${cursor ? `&cursor=${cursor}` : ''}`);
      ids.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor;
      if (cursor && ids.length >= 5000) cursors.push(cursor);
    } while (cursor);
    console.log(`walked ${ids.length} cases in pages of 200 (${new Set(ids).size} distinct)`);

    const runs: Run[] = [
      { route: 'GET /cases?limit=50 (first page)', rate: RATE, path: () => '/cases?limit=50' },
      {
        route: 'GET /cases?limit=50&cursor= (5k–100k deep)',
        rate: RATE,
        path: () => `/cases?limit=50&cursor=${pick(cursors)}`,
      },
      {
        route: 'GET /cases?status=…',
        rate: RATE,
        path: () =>
          `/cases?limit=50&status=${pick(['candidate', 'confirmed', 'rejected', 'closed', 'expired'])}`,
      },
      {
        route: 'GET /cases?type=…',
        rate: RATE,
        path: () =>
          `/cases?limit=50&type=${pick(['illegal_parking', 'street_vendor', 'bin_overflow', 'garbage_pile', 'exposed_soil'])}`,
      },
      {
        route: 'GET /cases?source=…',
        rate: RATE,
        path: () =>
          `/cases?limit=50&source=cam-${String(1 + Math.floor(Math.random() * 40)).padStart(3, '0')}`,
      },
      {
        route: 'GET /cases?from=…&to=… (1 week)',
        rate: RATE,
        path: () => {
          const from = Date.parse('2026-05-01T00:00:00Z') + Math.random() * 165 * 86_400_000;
          const to = from + 7 * 86_400_000;
          return `/cases?limit=50&from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}`;
        },
      },
      {
        route: 'GET /cases?bbox=… (~0.05°)',
        rate: RATE,
        path: () => {
          const lon = 121.35 + Math.random() * 0.2;
          const lat = 31.15 + Math.random() * 0.2;
          return `/cases?limit=50&bbox=${lon.toFixed(4)},${lat.toFixed(4)},${(lon + 0.05).toFixed(4)},${(lat + 0.05).toFixed(4)}`;
        },
      },
      { route: 'GET /cases/:id (random)', rate: RATE, path: () => `/cases/${pick(ids)}` },
      { route: 'GET /cases?limit=50 (first page)', rate: undefined, path: () => '/cases?limit=50' },
      { route: 'GET /cases/:id (random)', rate: undefined, path: () => `/cases/${pick(ids)}` },
    ];

    console.log(
      `bench:api — ${cpus().length} cores shared by the API process, PostgreSQL and the load generator; ` +
        `load average ${loadavg()
          .map((l) => l.toFixed(1))
          .join(
            ' ',
          )}; ${seconds} s per run; target p99 ≤ ${TARGET_P99_MS} ms at ${RATE} req/s (not asserted)`,
    );
    // Unmeasured: the first paced run otherwise pays for both processes' JIT warm-up and the
    // server's first burst of connections (its p99 was 140–170 ms where the next run's was 26–40).
    await load(base, started.key, { route: 'warm-up', rate: RATE, path: runs[0]!.path }, 2);
    const rows: (string | number)[][] = [];
    const summary: SummaryRow[] = [];
    for (const run of runs) {
      const cpu0 = cpuTimes();
      const t0 = performance.now();
      const r = await load(base, started.key, run);
      const cores = coresBusy(cpu0, cpuTimes(), (performance.now() - t0) / 1000);
      const rate = run.rate ? `${run.rate}/s` : 'max';
      rows.push([
        run.route,
        rate,
        r.p50,
        r.p99,
        Math.round(r.reqPerS),
        r.failed,
        r.sendLagP99 ?? '—',
        r.slotWaits ?? '—',
        cores ? cores.busy.toFixed(2) : '—',
        run.rate ? (r.p99 <= TARGET_P99_MS ? 'yes' : 'NO') : '—',
      ]);
      console.log(`  done: ${run.route} @ ${rate}`);
      summary.push(
        run.rate
          ? {
              bench: 'api',
              figure: `${run.route} p99 @ ${rate}`,
              value: r.p99,
              unit: 'ms',
              target: `≤ ${TARGET_P99_MS}`,
              note:
                `p50 ${r.p50} ms; ${CASES} cases; paced open-loop load, client lag p99 ${r.sendLagP99} ms, ` +
                `${r.slotWaits} requests waited for one of ${MAX_IN_FLIGHT} connections` +
                (cores ? `; ${cores.busy.toFixed(2)} of ${cpus().length} cores busy` : ''),
            }
          : {
              bench: 'api',
              figure: `${run.route} unthrottled`,
              value: Math.round(r.reqPerS),
              unit: 'req/s',
              note: `p99 ${r.p99} ms (autocannon, 16 connections)`,
            },
      );
    }
    console.log(
      table(
        [
          'route',
          'rate',
          'p50 ms',
          'p99 ms',
          'req/s',
          'non-2xx+err',
          'client lag p99 ms',
          'waited for a connection',
          'cores busy',
          `p99 ≤ ${TARGET_P99_MS} ms`,
        ],
        rows,
      ),
    );
    writeSummary(args.summary, summary);
  } finally {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server!.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    await admin.exec(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch((err: unknown) => {
      console.error(`could not drop ${name}:`, err);
    });
    await admin.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (args.serve) {
  await serve();
} else {
  await main();
}
