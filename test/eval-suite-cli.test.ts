/**
 * `gridwatch eval suite` as `npm run eval` runs it, on one small scenario: the bundled models and
 * the oracle through the real pipeline, a few held-out scenes for the model figures, and the
 * real-media part pointed at a folder that is not there (it must say so and carry on).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { EvalReport } from '../evaluation/eval-suite.js';
import { tempDir } from './support/video-fixtures.js';

const exec = promisify(execFile);
const CACHE = join(tmpdir(), 'gridwatch-scenarios-test');

async function gridwatch(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec('node', ['bin/gridwatch.js', 'eval', ...args], {
      timeout: 240_000,
      env: { ...process.env, GRIDWATCH_ORT_THREADS: '2' },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string; killed?: boolean };
    if (e.killed) throw new Error('gridwatch eval suite hung and was killed', { cause: err });
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('gridwatch eval suite', () => {
  it('writes report.md and report.json for a subset, and skips real media without ../shared', async () => {
    const out = tempDir('gridwatch-eval-suite-');
    const r = await gridwatch(
      'suite',
      '--only',
      'soil-camera-site',
      '--seed',
      '5',
      '--width',
      '160',
      '--n',
      '4',
      '--oracle',
      '--shared',
      join(out, 'no-shared-here'),
      '--cache',
      CACHE,
      '--out',
      out,
    );
    expect(r.code, r.stderr).toBe(0);
    const md = await readFile(join(out, 'report.md'), 'utf8');
    expect(r.stdout.trim()).toBe(md.trim());
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as EvalReport;
    expect(report.seed).toBe(5);
    expect(report.scenarios).toEqual(['soil-camera-site']);
    // The oracle isolates the rules: they find the bare site on time, nothing else.
    expect(report.oracle!.figures).toMatchObject({ expected: 1, truePositives: 1, falsePositives: 0 });
    expect(report.oracle!.figures.perType[0]).toMatchObject({ type: 'exposed_soil', recall: 1, late: 0 });
    // The bundled models are scored on the same renders, whatever they find.
    expect(report.bundled.detector.name).toBe('street-detector');
    expect(report.bundled.figures.expected).toBe(1);
    expect(report.realMedia!.skipped).toMatch(/no-shared-here.* not found/);
    expect(md).toContain('**Skipped**');
    expect(report.models!.scenes).toBe(4);
    expect(report.models!.detector!.perClass.map((c) => c.label)).toContain('vehicle');
    expect(Object.keys(report.models!.segmenter!.iou)).toContain('bare_soil');
    expect(md).toMatch(/\| exposed_soil \| 1 \| 1 \| 1 \| 0 \| 0 \| 1\.00 \| 1\.00 \|/);
  }, 240_000);

  it('refuses bad options with a usage error', async () => {
    const r = await gridwatch('suite', '--seed', 'x');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--seed must be a non-negative integer');
    const unknown = await gridwatch('suite', '--only', 'no-such-scenario', '--n', '0', '--no-real-media');
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('unknown scenario(s): no-such-scenario');
  }, 120_000);
});
