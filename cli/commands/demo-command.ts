import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openStore } from '../../api/api-runtime.js';
import { ApiKeyService } from '../../api/auth/api-key-service.js';
import { defaultReviewAssetsDir } from '../../api/routes/review-routes.js';
import { runDemo, type DemoCase } from '../../demo/demo-run.js';
import { configureMedia } from '../../repositories/media-repository.js';
import { portOption, positiveOption, UsageError, type Command, type CommandIo } from '../command.js';
import { runHttpServer } from './http-server.js';

const usage = `gridwatch demo [--no-serve] [--port <n>] [--out <dir>]

Gridwatch end to end on synthetic footage, with no servers: renders a street-camera clip (a car
parked in a bus-stop bay, a street vendor, an overflowing bin) and a drone flight with its DJI SRT
track over bare soil, analyses both with the bundled models, stores the candidate cases with their
evidence in an embedded store under --out, and prints them. Then it serves the API and the review
page on that store and prints the page's address and an admin key (stop with Ctrl-C).

Options:
  --no-serve     stop after the table of cases
  --port <n>     port for the review page (default: GRIDWATCH_PORT or 8080)
  --out <dir>    where scenes, store and evidence go (default: GRIDWATCH_DATA_DIR/demo);
                 its db/ and evidence/ are replaced on every run
  --width <px>   width of the rendered scenes (default 640)`;

function caseTable(cases: readonly DemoCase[]): string[] {
  const header = [
    'type',
    'code',
    'source',
    'zone',
    'first seen (local)',
    'dwell',
    'conf',
    'evidence',
    'where',
  ];
  const rows = cases.map((c) => [
    c.type,
    c.category,
    c.sourceId,
    c.zoneId ?? '',
    new Date(c.firstSeen).toLocaleString('sv-SE', { timeZone: c.timezone }),
    `${Math.round(c.dwellSeconds)} s`,
    c.confidence.toFixed(2),
    String(c.evidence),
    c.location ? `${c.location.lat.toFixed(6)},${c.location.lon.toFixed(6)}` : '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

async function ensureReviewPage(io: CommandIo): Promise<void> {
  if (existsSync(join(defaultReviewAssetsDir(), 'index.html'))) return;
  io.err('building the review page (npm run build does the same)');
  try {
    // esbuild is a development dependency: only a source checkout builds the page itself.
    const { buildReviewPage } = await import('../../review/build-review.js');
    await buildReviewPage();
  } catch (err) {
    throw new Error(
      `the review page is not built and could not be built here (run \`npm run build\`): ${String(err)}`,
      { cause: err },
    );
  }
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'render demo footage, find its violations, and serve them for review',
  usage,
  async run(args, { config, io }) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        'no-serve': { type: 'boolean', default: false },
        port: { type: 'string' },
        out: { type: 'string' },
        width: { type: 'string' },
      },
    });
    if (positionals.length > 0) throw new UsageError('demo takes no positional arguments');
    const port = portOption(values.port, config.port);
    const width = positiveOption('width', values.width, true);
    if (width !== undefined && (width < 160 || width > 3840))
      throw new UsageError('--width must be 160-3840');
    const outDir = values.out ?? join(config.dataDir, 'demo');
    configureMedia({ concurrency: config.sharpConcurrency });

    const t0 = performance.now();
    const result = await runDemo({ config, outDir, ...(width ? { width } : {}), log: (m) => io.err(m) });
    io.out('');
    if (result.cases.length === 0) io.out('no candidate cases');
    else for (const l of caseTable(result.cases)) io.out(l);
    const types = new Set(result.cases.map((c) => c.type));
    io.out('');
    io.out(
      `${result.cases.length} candidate case(s) of ${types.size} violation type(s) from ${result.scenes.length} scenes in ` +
        `${((performance.now() - t0) / 1000).toFixed(0)} s; store, evidence and scenes in ${outDir}`,
    );
    if (values['no-serve']) return 0;

    await ensureReviewPage(io);
    const { db } = await openStore(result.config);
    let key: string;
    try {
      ({ key } = await new ApiKeyService(db).create('admin', 'demo'));
    } finally {
      await db.close();
    }
    return runHttpServer('serve', ['--port', String(port)], { config: result.config, io }, (base) => {
      io.out('');
      io.out(`review page: ${base.replace('://0.0.0.0:', '://127.0.0.1:')}/review/`);
      io.out(`admin key:   ${key}`);
      io.out('(paste the key into the page when it asks; Ctrl-C stops the server)');
    });
  },
};
