/**
 * `gridwatch run` as a user runs it: the bin spawned on rendered scenarios (with the test-only
 * `--truth` oracle, since COCO models do not see the synthetic objects), on a real photo of a car
 * held for five minutes with a real COCO detector, and on bad input.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { CaseService } from '../cases/case-service.js';
import { loadCategoryCodes } from '../cases/category-codes.js';
import { findScenario } from '../fixtures/scenarios/scenario-catalogue.js';
import { renderScenario } from '../fixtures/scenarios/render-scenario.js';
import type { RenderedScenario } from '../fixtures/scenarios/scenario-types.js';
import { encodeTimedFrames } from '../repositories/ffmpeg-repository.js';
import { openDatabase } from '../repositories/database-repository.js';
import { decodeImage } from '../repositories/media-repository.js';
import { sharedAsset } from './support/shared-assets.js';
import { tempDir } from './support/video-fixtures.js';
import { parkedCarCamera } from '../fixtures/parked-car-camera.js';

const exec = promisify(execFile);
const CACHE = join(tmpdir(), 'gridwatch-scenarios-test');
const dataDir = tempDir('gridwatch-cli-run-');

async function gridwatch(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec('node', ['bin/gridwatch.js', 'run', ...args], {
      timeout: 120_000,
      env: { ...process.env, GRIDWATCH_DATA_DIR: dataDir, GRIDWATCH_ORT_THREADS: '2' },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string; killed?: boolean };
    if (e.killed) throw new Error('gridwatch run hung and was killed', { cause: err });
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const scenarioArgs = (s: RenderedScenario): string[] => [
  s.video,
  '--source',
  s.sourcePath,
  '--truth',
  s.truthPath,
  '--sample-fps',
  String(1 / s.stepS),
  '--start',
  s.start,
  ...(s.srtPath ? ['--srt', s.srtPath] : []),
];

let parking: RenderedScenario;
let flight: RenderedScenario;

beforeAll(async () => {
  parking = await renderScenario(findScenario('parking-4min-in-bay'), { outDir: CACHE, width: 320 });
  flight = await renderScenario(findScenario('soil-drone-two-patches'), { outDir: CACHE, width: 320 });
}, 300_000);

// Each test spawns the CLI (tsx start-up, model load, ffmpeg); a loaded CI machine needs minutes.
describe('gridwatch run', { timeout: 240_000 }, () => {
  it('prints one JSON object per violation event, with its type', async () => {
    const r = await gridwatch(...scenarioArgs(parking), '--json', '--no-store');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines.map((l) => [l.type, l.event, l.zoneId])).toEqual([
      ['illegal_parking', 'opened', 'bay'],
      ['illegal_parking', 'closed', 'bay'],
    ]);
    expect(lines[0]).toMatchObject({
      sourceId: 'cam-renmin-01',
      firstSeen: '2024-01-08T02:00:20.000Z',
      lastSeen: '2024-01-08T02:03:20.000Z',
      dwellS: 180,
      model: { name: 'scenario-oracle', version: '1' },
    });
    expect((lines[0]!.evidence as { role: string }[]).map((e) => e.role)).toEqual([
      'start',
      'threshold',
      'best',
    ]);
  });

  it('reports a drone flight’s soil patches with ground position and area', async () => {
    const r = await gridwatch(...scenarioArgs(flight), '--json', '--no-store');
    expect(r.code).toBe(0);
    const opened = jsonLines(r.stdout).filter((l) => l.event === 'opened');
    expect(opened).toHaveLength(2);
    for (const l of opened) {
      expect(l.type).toBe('exposed_soil');
      expect(l.ground).toEqual({ lat: expect.any(Number), lon: expect.any(Number) });
      expect(l.areaM2).toBeGreaterThanOrEqual(50);
    }
  });

  it('stores cases in the embedded store, once, and prints a table without --json', async () => {
    const db = join(tempDir('gridwatch-cli-db-'), 'store');
    const first = await gridwatch(...scenarioArgs(parking), '--db', db);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/opened\s+illegal_parking\s+bay\s+180 s/);
    expect(first.stdout).toContain('cases: 1 created, 0 updated');
    const again = await gridwatch(...scenarioArgs(parking), '--db', db);
    expect(again.stdout).toContain('cases: 0 created');
    const store = await openDatabase({ dataDir: join(db, 'db') });
    try {
      const { items } = await new CaseService(store, await loadCategoryCodes({})).list({});
      expect(items.map((c) => [c.type, c.status, c.zoneId])).toEqual([
        ['illegal_parking', 'candidate', 'bay'],
      ]);
    } finally {
      await store.close();
    }
  });

  it('finds a parked car in real imagery with a COCO detector from the catalogue', async () => {
    const dir = tempDir('gridwatch-cli-real-');
    const image = await decodeImage(await readFile(sharedAsset('media/single_car.jpg')));
    const video = join(dir, 'parked.mp4');
    // The real photo held for five minutes, one frame every 10 s: a car that does not move.
    await encodeTimedFrames(
      Array.from({ length: 31 }, (_, k) => ({ ...image, ptsS: k * 10 })),
      { out: video },
    );
    const source = join(dir, 'source.json');
    await writeFile(source, JSON.stringify(parkedCarCamera('cam-real')));
    const r = await gridwatch(
      video,
      '--source',
      source,
      '--model',
      'models/catalogue/yolox-nano-coco.json',
      '--weights',
      sharedAsset('models/yolox_nano.onnx'),
      '--start',
      '2024-01-08T10:00:00',
      '--json',
      '--no-store',
    );
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines[0]).toMatchObject({ type: 'illegal_parking', event: 'opened', zoneId: 'kerb', dwellS: 180 });
    expect(lines[0]!.model).toEqual({ name: 'yolox-nano-coco', version: expect.any(String) });
  });

  it('says the bundled detector is not there yet, and how to pass one', async () => {
    const r = await gridwatch(parking.video, '--source', parking.sourcePath, '--no-store');
    if (r.code === 0) return; // the bundled model has landed
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/bundled street detector .* still being trained/);
    expect(r.stderr).toContain('--model models/catalogue/yolox-nano-coco.json');
  });

  it('refuses bad arguments and bad input with a clear message', async () => {
    const noSource = await gridwatch(parking.video, '--json');
    expect(noSource.code).toBe(2);
    expect(noSource.stderr).toContain('--source is required');

    const dir = tempDir('gridwatch-cli-bad-');
    const bowtie = join(dir, 'bad.json');
    await writeFile(
      bowtie,
      JSON.stringify({
        id: 'cam-bad',
        name: 'x',
        kind: 'camera',
        zones: [
          {
            id: 'z',
            type: 'no_parking',
            polygon: [
              [0, 0],
              [1, 1],
              [1, 0],
              [0, 1],
            ],
          },
        ],
      }),
    );
    const badZone = await gridwatch(
      parking.video,
      '--source',
      bowtie,
      '--truth',
      parking.truthPath,
      '--no-store',
    );
    expect(badZone.code).toBe(1);
    expect(badZone.stderr).toMatch(/zone 'z'.*intersect/);

    const noVideo = await gridwatch(
      join(dir, 'missing.mp4'),
      '--source',
      parking.sourcePath,
      '--truth',
      parking.truthPath,
      '--no-store',
    );
    expect(noVideo.code).toBe(1);
    expect(noVideo.stderr).toMatch(/cannot read .*missing\.mp4: no such file/);

    const badStart = await gridwatch(
      ...scenarioArgs(parking).slice(0, 5),
      '--start',
      'teatime',
      '--no-store',
    );
    expect(badStart.code).toBe(1);
    expect(badStart.stderr).toContain("start time 'teatime' is not a time");
  });
});
