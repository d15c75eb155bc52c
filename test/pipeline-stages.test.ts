/**
 * planVideo and analyseSegment on real files decoded by real ffmpeg. The detector here is a fake
 * that reports one fixed box: these tests are about planning, sampling, gating and telemetry.
 */
import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../common/errors.js';
import { formatDjiSrt } from '../fixtures/scenarios/dji-srt-writer.js';
import { analyseSegment } from '../pipeline/analyse-segment.js';
import type { FrameDetector } from '../pipeline/pipeline-types.js';
import { planVideo } from '../pipeline/plan-video.js';
import { runVideoPipeline } from '../pipeline/run-video-pipeline.js';
import { parseSourceConfig } from '../violations/config/source-config.js';
import { ffmpegCli, makeTestVideo, tempDir } from './support/video-fixtures.js';

const camera = parseSourceConfig({ id: 'cam-1', name: 'c', kind: 'camera' });
const drone = parseSourceConfig({ id: 'flight-1', name: 'd', kind: 'drone' });
const site = parseSourceConfig({
  id: 'cam-site',
  name: 's',
  kind: 'camera',
  zones: [
    {
      id: 'site',
      type: 'construction_site',
      polygon: [
        [0, 0.5],
        [1, 0.5],
        [1, 1],
        [0, 1],
      ],
    },
  ],
});

const fixedBox: FrameDetector = {
  model: { name: 'fixed', version: '0' },
  detect: () => Promise.resolve([{ label: 'car', canonical: 'vehicle', score: 0.9, box: [10, 10, 60, 50] }]),
};

let dir: string;
let moving: string;
let still: string;

beforeAll(async () => {
  dir = tempDir('gridwatch-stages-');
  moving = await makeTestVideo(join(dir, 'moving.mp4'), { seconds: 12, fps: 10, width: 320, height: 240 });
  still = join(dir, 'still.mp4');
  await ffmpegCli([
    '-f',
    'lavfi',
    '-i',
    'color=c=gray:s=160x120:r=5:d=30',
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    still,
  ]);
}, 60_000);

describe('planVideo', () => {
  it('probes, caps the decode size, splits into segments and dates the video', async () => {
    const plan = await planVideo({
      video: moving,
      source: camera,
      sampleFps: 2,
      maxWidth: 160,
      segmentSeconds: 5,
      startWallClock: '2024-01-08T10:00:00',
    });
    expect(plan).toMatchObject({
      version: 1,
      sampleFps: 2,
      frameWidth: 160,
      frameHeight: 120,
      startWallClockMs: Date.UTC(2024, 0, 8, 2),
      wallClockBasis: 'option',
      telemetry: null,
      warnings: [],
    });
    expect(plan.segments.map((s) => [s.startS, s.endS])).toEqual([
      [0, 4],
      [4, 8],
      [8, 12],
    ]);
    // A plan is job payload: it must survive JSON unchanged.
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });

  it('falls back to the file time, with a warning, when nothing dates the video', async () => {
    const end = new Date(Date.UTC(2024, 5, 1, 4, 0, 12));
    await utimes(moving, end, end);
    const plan = await planVideo({ video: moving, source: camera });
    expect(plan.wallClockBasis).toBe('file-time');
    expect(plan.startWallClockMs).toBe(Date.UTC(2024, 5, 1, 4, 0, 0));
    expect(plan.warnings.join()).toMatch(/no start time given/);
  });

  it('analyses a video sparser than the sampling rate frame by frame', async () => {
    const plan = await planVideo({ video: still, source: camera, sampleFps: 10, startWallClock: 0 });
    expect(plan.sampleFps).toBeNull();
  });

  it('reads a drone flight’s sidecar telemetry and takes the start time from it', async () => {
    const srt = join(dir, 'flight.SRT');
    const poses = Array.from({ length: 13 }, (_, t) => ({
      t,
      durationS: 1,
      lat: 31.23,
      lon: 121.47 + t * 1e-5,
      relAlt: 40,
      absAlt: 50,
      gimbalYawDeg: 0,
      gimbalPitchDeg: -90,
      focal35mm: 24,
    }));
    await writeFile(srt, formatDjiSrt(poses, '2024-01-08T10:00:00'));
    const plan = await planVideo({ video: moving, source: drone, srt });
    expect(plan.wallClockBasis).toBe('telemetry');
    expect(plan.startWallClockMs).toBe(Date.UTC(2024, 0, 8, 2));
    expect(plan.telemetry?.records).toHaveLength(13);
    expect(plan.warnings).toEqual([]);

    const bare = await planVideo({ video: moving, source: drone, startWallClock: 0 });
    expect(bare.telemetry).toBeNull();
    expect(bare.warnings.join()).toMatch(/drone video without telemetry/);

    const segment = plan.segments[0]!;
    const a = await analyseSegment({ plan: { ...plan, sampleFps: 1 }, segment }, { detector: fixedBox });
    expect(a.stats.withoutPose).toBe(0);
    expect(a.observations[3]!.pose?.camera).toMatchObject({ heightM: 40, pitchDeg: -90, lat: 31.23 });
    expect(a.observations[3]!.pose!.camera.lon).toBeCloseTo(121.47003, 8);
  });

  it('names bad options', async () => {
    await expect(planVideo({ video: moving, source: camera, sampleFps: 0 })).rejects.toThrow(
      InvalidInputError,
    );
    await expect(planVideo({ video: moving, source: camera, segmentCount: 1.5 })).rejects.toThrow(
      /segmentCount/,
    );
    await expect(planVideo({ video: join(dir, 'nope.mp4'), source: camera })).rejects.toThrow(/no such file/);
  });
});

describe('analyseSegment', () => {
  it('turns sampled frames into serialisable observations with appearance vectors', async () => {
    const plan = await planVideo({ video: moving, source: camera, sampleFps: 2, startWallClock: 1_000_000 });
    const progress: number[] = [];
    const a = await analyseSegment(
      { plan, segment: plan.segments[0]!, options: { motionGate: false } },
      { detector: fixedBox, onProgress: (p) => progress.push(p.done) },
    );
    expect(a.stats).toMatchObject({ decoded: 24, analysed: 24, skippedStatic: 0, detections: 24 });
    const o = a.observations[3]!;
    expect(o).toMatchObject({ ptsS: 1.5, wallClockMs: 1_001_500, frameIndex: 3, width: 320, height: 240 });
    expect(o.appearance[0]).toHaveLength(48);
    expect(a.models.detector).toEqual({ name: 'fixed', version: '0' });
    expect(progress.at(-1)).toBe(24);
    expect(JSON.parse(JSON.stringify(a))).toEqual(a);
  });

  it('skips frames of a static camera view, re-analysing it every 10 s', async () => {
    const plan = await planVideo({ video: still, source: camera, sampleFps: 5, startWallClock: 0 });
    const a = await analyseSegment({ plan, segment: plan.segments[0]! }, { detector: fixedBox });
    expect(a.stats.decoded).toBe(150);
    expect(a.observations.map((o) => [o.ptsS, o.gate])).toEqual([
      [0, 'first'],
      [10, 'forced'],
      [20, 'forced'],
    ]);
  });

  it('asks for soil only where a rule needs it, and says so when it has no segmenter', async () => {
    const plan = await planVideo({ video: still, source: site, startWallClock: 0 });
    const calls: number[] = [];
    const a = await analyseSegment(
      { plan, segment: plan.segments[0]!, options: { motionGate: false, soilIntervalS: 5 } },
      {
        detector: fixedBox,
        segmenter: {
          model: null,
          segment: (f) => {
            calls.push(f.ptsS);
            return Promise.resolve({ regions: [], shares: { bare_soil: 0 } });
          },
        },
      },
    );
    expect(calls).toEqual([0, 5, 10, 15, 20, 25]);
    expect(a.stats.segmented).toBe(6);
    const without = await analyseSegment({ plan, segment: plan.segments[0]! }, { detector: fixedBox });
    expect(without.warnings.join()).toMatch(/no soil segmenter was given/);
  });

  it('refuses a segment that is not in the plan', async () => {
    const plan = await planVideo({ video: still, source: camera, startWallClock: 0 });
    await expect(
      analyseSegment(
        { plan, segment: { index: 7, startS: 3, endS: 4, isLast: false } },
        { detector: fixedBox },
      ),
    ).rejects.toThrow(/not one of the plan's segments/);
  });
});

describe('runVideoPipeline', () => {
  it('stops, and settles, when its signal is aborted', async () => {
    const ac = new AbortController();
    const detector: FrameDetector = {
      model: null,
      detect: () => {
        ac.abort(new Error('operator stopped the run'));
        return Promise.resolve([]);
      },
    };
    await expect(
      runVideoPipeline(
        { video: moving, source: camera, segmentCount: 3, startWallClock: 0 },
        { detector, signal: ac.signal },
      ),
    ).rejects.toThrow('operator stopped the run');
  });
});
