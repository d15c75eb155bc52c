/**
 * npm run bench — every benchmark in one run, one after the other (they would only measure each
 * other if run together), each as its own process with its output streamed through; then one
 * Markdown table of their headline figures (each bench's `--summary` rows), printed and written
 * to data/bench/summary.md and summary.json.
 *
 * Options: --only detector,decode,workers,api,capacity   --quick (fewer rounds, shorter runs)
 *          --out <dir> (default data/bench)
 * A bench that fails (e.g. no Redis or PostgreSQL for workers and api) gets a row saying so and
 * the rest still run. About 15 minutes in all on a 2-core machine; --quick about 6.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { table } from './bench-stats.js';
import type { SummaryRow } from './bench-summary-support.js';

interface Bench {
  name: string;
  script: string;
  /** Extra arguments under --quick. */
  quick: string[];
}

const BENCHES: Bench[] = [
  { name: 'detector', script: 'detector-bench.ts', quick: ['--rounds', '10'] },
  { name: 'decode', script: 'decode-bench.ts', quick: ['--rounds', '2'] },
  { name: 'workers', script: 'workers-bench.ts', quick: ['--flights', '2'] },
  { name: 'api', script: 'api-bench.ts', quick: ['--seconds', '3'] },
  { name: 'capacity', script: 'capacity-bench.ts', quick: ['--quick'] },
];

const { values: args } = parseArgs({
  options: {
    only: { type: 'string' },
    quick: { type: 'boolean', default: false },
    out: { type: 'string', default: 'data/bench' },
  },
});

function runBench(b: Bench, summaryFile: string): Promise<number> {
  const script = fileURLToPath(new URL(b.script, import.meta.url));
  // Same node and loader flags (tsx) as this process.
  const child = spawn(
    process.execPath,
    [...process.execArgv, script, '--summary', summaryFile, ...(args.quick ? b.quick : [])],
    { stdio: 'inherit' },
  );
  return new Promise((ok) => {
    child.on('error', () => ok(-1));
    child.on('exit', (code, signal) => ok(code ?? (signal ? 128 : -1)));
  });
}

/** Markdown table cell: no pipes or newlines. */
const cell = (v: unknown): string =>
  v === undefined ? '' : String(v).replace(/\|/g, '/').replace(/\n/g, ' ');

async function main(): Promise<void> {
  const wanted = args.only ? new Set(args.only.split(',').map((s) => s.trim())) : undefined;
  const unknown = [...(wanted ?? [])].filter((n) => !BENCHES.some((b) => b.name === n));
  if (unknown.length) throw new Error(`unknown bench(es): ${unknown.join(', ')}`);
  const out = resolve(args.out);
  mkdirSync(out, { recursive: true });
  const started = new Date();
  const load0 = loadavg()[0]!;
  const rows: SummaryRow[] = [];
  const timings: string[] = [];
  for (const b of BENCHES) {
    if (wanted && !wanted.has(b.name)) continue;
    const file = join(out, `summary-${b.name}.json`);
    writeFileSync(file, '[]\n');
    console.log(`\n=== bench:${b.name} ${'='.repeat(60)}`);
    const t0 = performance.now();
    const code = await runBench(b, file);
    const s = (performance.now() - t0) / 1000;
    timings.push(`${b.name} ${s.toFixed(0)} s`);
    const got = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as SummaryRow[]) : [];
    rows.push(...got);
    if (code !== 0) {
      rows.push({
        bench: b.name,
        figure: `FAILED (exit ${code}); see its output above`,
        value: NaN,
        unit: '',
      });
    }
  }
  const md = [
    `## Benchmark summary (${started.toISOString()}${args.quick ? ', --quick' : ''})`,
    '',
    `${cpus().length} cores, load average ${load0.toFixed(1)} at start; ${timings.join(', ')}. ` +
      'Ratio to limit: the figure over what this machine does at most (raw session.run, plain ffmpeg decode).',
    '',
    table(
      ['bench', 'figure', 'value', 'unit', 'target', 'ratio to limit', 'note'],
      rows.map((r) => [
        cell(r.bench),
        cell(r.figure),
        Number.isNaN(r.value) ? '—' : cell(r.value),
        cell(r.unit),
        cell(r.target),
        r.ratioToLimit === undefined ? '' : cell(r.ratioToLimit),
        cell(r.note),
      ]),
    ),
    '',
  ].join('\n');
  console.log(`\n${md}`);
  writeFileSync(join(out, 'summary.md'), md);
  writeFileSync(
    join(out, 'summary.json'),
    `${JSON.stringify({ started, quick: args.quick, rows }, null, 2)}\n`,
  );
  console.log(`written to ${join(out, 'summary.md')} and summary.json`);
}

await main();
