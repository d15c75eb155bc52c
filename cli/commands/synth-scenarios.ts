import { parseArgs } from 'node:util';
import { renderScenario } from '../../fixtures/scenarios/render-scenario.js';
import { SCENARIOS, findScenario } from '../../fixtures/scenarios/scenario-catalogue.js';
import { configureMedia } from '../../repositories/media-repository.js';
import { UsageError, type CommandIo } from '../command.js';

export const synthScenariosUsage = `gridwatch synth scenarios --out <dir> [--only <name>[,<name>…]] [--width <px>] [--force] | --list

Renders the scripted violation scenarios to videos with their source JSON, drone .SRT and
truth.json (expected violations, per-frame boxes), and prints the 'gridwatch run' command for
each. --list prints the scenarios and what each shows.

Scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}`;

export async function runSynthScenarios(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      out: { type: 'string' },
      only: { type: 'string' },
      width: { type: 'string' },
      force: { type: 'boolean', default: false },
      list: { type: 'boolean', default: false },
    },
  });
  if (values.list) {
    for (const s of SCENARIOS) io.out(`${s.name.padEnd(26)} ${s.summary}`);
    return 0;
  }
  if (!values.out) throw new UsageError('--out is required');
  const width = values.width === undefined ? 640 : Number(values.width);
  if (!Number.isInteger(width) || width < 160 || width > 3840 || width % 10 !== 0) {
    throw new UsageError('--width must be a multiple of 10 from 160 to 3840 (the height keeps 5:3)');
  }
  let defs = SCENARIOS;
  if (values.only) {
    try {
      defs = values.only.split(',').map((n) => findScenario(n.trim()));
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  configureMedia({ concurrency: 1 });
  for (const def of defs) {
    const t0 = Date.now();
    const r = await renderScenario(def, { outDir: values.out, width, force: values.force });
    const expected = r.expected.length ? r.expected.map((e) => `${e.type}@${e.zoneId}`).join(', ') : 'none';
    io.out(
      `${def.name.padEnd(26)} ${r.frames.length} frames every ${r.stepS} s, expected: ${expected} (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
    );
    const srt = r.srtPath ? ` --srt ${r.srtPath}` : '';
    io.out(
      `  gridwatch run ${r.video} --source ${r.sourcePath}${srt} --sample-fps ${1 / r.stepS} --start ${r.start}`,
    );
  }
  return 0;
}
