/**
 * The embedded default runs live cameras too: `gridwatch serve` with no Redis and no PostgreSQL
 * server, a camera added through the API, a real RTSP stream (GStreamer) of a real photo of a
 * parked car decoded key frames only, and the YOLOX-nano COCO detector from ../shared. The case
 * opens with its evidence.
 */
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRtspTestServer, type RtspTestServer } from './support/rtsp-test-server.js';
import { sharedAsset } from './support/shared-assets.js';
import { ffmpegCli, tempDir } from './support/video-fixtures.js';
import { parkedCarCamera } from '../fixtures/parked-car-camera.js';

const exec = promisify(execFile);
const dataDir = tempDir('gridwatch-serve-camera-');
let rtsp: RtspTestServer;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  const frame = join(tempDir('gridwatch-serve-camera-frame-'), 'parked-car.png');
  await ffmpegCli(['-i', sharedAsset('media/single_car.jpg'), frame]);
  rtsp = await startRtspTestServer({ width: 640, height: 424, fps: 5, frames: frame });
  env = {
    ...process.env,
    GRIDWATCH_DATA_DIR: dataDir,
    GRIDWATCH_HOST: '127.0.0.1',
    GRIDWATCH_PORT: '0',
    GRIDWATCH_CAMERAS_PER_WORKER: '1',
    GRIDWATCH_ORT_THREADS: '1',
    GRIDWATCH_DETECTOR_MODEL: 'models/catalogue/yolox-nano-coco.json',
    GRIDWATCH_DETECTOR_WEIGHTS: sharedAsset('models/yolox_nano.onnx'),
  };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
}, 60_000);

afterAll(async () => {
  await rtsp?.kill();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('gridwatch serve, embedded', () => {
  it('runs a camera added through the API and opens its case with evidence', async () => {
    const { stdout: keyOut } = await exec('node', ['bin/gridwatch.js', 'keys', 'create', '--role', 'admin'], {
      env,
    });
    const key = keyOut.trim();
    const child = spawn('node', ['bin/gridwatch.js', 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (d: Buffer) => (log += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const base = await new Promise<string>((resolve, reject) => {
        child.stderr.on('data', (d: Buffer) => {
          log += d.toString();
          const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(log);
          if (m) resolve(m[1]!);
        });
        void exited.then((code) => reject(new Error(`serve exited ${code}:\n${log}`)));
      });
      expect(log).toContain('up to 1 live cameras');
      const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
      const created = await fetch(`${base}/sources`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          ...parkedCarCamera('cam-kerb-12'),
          rtspUrl: rtsp.url,
          // The test stream has one key frame a second: decoding only those is enough at 1 frame/s.
          decode: 'keyframes',
          enabled: true,
          rules: { illegal_parking: { minDwellSeconds: 10 } },
        }),
      });
      expect(created.status, await created.clone().text()).toBe(201);
      expect(((await created.json()) as { decode?: string }).decode).toBe('keyframes');

      type Item = { id: string; type: string; zoneId: string; sourceId: string };
      let found: Item | undefined;
      const deadline = Date.now() + 90_000;
      while (!found && Date.now() < deadline) {
        const page = (await (await fetch(`${base}/cases?source=cam-kerb-12`, { headers })).json()) as {
          items: Item[];
        };
        found = page.items.find((c) => c.sourceId === 'cam-kerb-12');
        if (!found) await sleep(1000);
      }
      expect(found, `no case from the camera in 90 s:\n${log}`).toMatchObject({
        type: 'illegal_parking',
        zoneId: 'kerb',
      });
      let kinds: string[] = [];
      while (!kinds.includes('annotated') && Date.now() < deadline + 10_000) {
        const ev = (await (await fetch(`${base}/cases/${found!.id}/evidence`, { headers })).json()) as {
          items: { kind: string }[];
        };
        kinds = ev.items.map((e) => e.kind);
        if (!kinds.includes('annotated')) await sleep(500);
      }
      expect(kinds).toContain('annotated');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, log).toBe(0);
  }, 180_000);
});
