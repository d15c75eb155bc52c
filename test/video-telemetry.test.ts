import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli/main.js';
import { MediaError } from '../common/errors.js';
import { readDjiSrtFile } from '../video/telemetry/index.js';
import { readTelemetry, readTelemetryFromVideo } from '../video/video-telemetry.js';
import { sharedAsset } from './support/shared-assets.js';
import { makeTestVideo, tempDir } from './support/video-fixtures.js';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('telemetry from a video subtitle track', () => {
  let dir: string;
  let video: string;
  let plain: string;
  const srt = () => sharedAsset('media/dji-srt/air2s.srt');

  beforeAll(async () => {
    dir = tempDir();
    // As DJI does: the SRT muxed into the MP4 as a mov_text subtitle stream.
    video = await makeTestVideo(join(dir, 'DJI_0001.MP4'), {
      seconds: 1,
      fps: 30,
      width: 160,
      height: 120,
      inputs: ['-i', srt()],
      extra: ['-map', '0:v', '-map', '1:s', '-c:s', 'mov_text'],
    });
    plain = await makeTestVideo(join(dir, 'plain.mp4'), { seconds: 1, width: 160, height: 120 });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('extracts the track and parses it to the same records as the sidecar file', async () => {
    const sidecar = await readDjiSrtFile(srt());
    const embedded = await readTelemetryFromVideo(video);
    expect(embedded.records.length).toBe(sidecar.records.length);
    expect(embedded.records.length).toBeGreaterThan(10);
    embedded.records.forEach((r, i) => {
      const s = sidecar.records[i]!;
      expect(Math.abs(r.t - s.t)).toBeLessThan(0.001);
      expect({ ...r, t: 0, durationS: 0 }).toEqual({ ...s, t: 0, durationS: 0 });
    });
    expect(embedded.format).toBe(sidecar.format);
  });

  it('reads .srt by extension and videos through their track', async () => {
    expect((await readTelemetry(srt())).records.length).toBe((await readTelemetry(video)).records.length);
  });

  it('says clearly when a video has no subtitle track', async () => {
    await expect(readTelemetryFromVideo(plain)).rejects.toThrow(MediaError);
    await expect(readTelemetryFromVideo(plain)).rejects.toThrow(`${plain}: no subtitle track with telemetry`);
  });

  it('gridwatch telemetry --json prints one object per record', async () => {
    const { code, out } = await cli('telemetry', video, '--json');
    expect(code).toBe(0);
    const records = JSON.parse(out) as Record<string, number>[];
    expect(records.length).toBe((await readDjiSrtFile(srt())).records.length);
    expect(records[0]).toEqual({ t: 0, lat: 41.424724, lon: 2.234156, height: 117 });
  });

  it('gridwatch telemetry prints warnings to stderr and gimbal fields when present', async () => {
    const cut = await cli('telemetry', sharedAsset('media/dji-srt/broken_incomplete.SRT'), '--json');
    expect(cut.code).toBe(0);
    expect(cut.err).toMatch(/warning: .*cut off/);
    expect(() => JSON.parse(cut.out)).not.toThrow();
    const p4 = await cli('telemetry', sharedAsset('media/dji-srt/p4_rtk.SRT'), '--json');
    const first = (JSON.parse(p4.out) as Record<string, number>[])[0]!;
    expect(Object.keys(first)).toEqual(expect.arrayContaining(['t', 'lat', 'lon', 'gimbalPitch']));
  });

  it('gridwatch probe --json and gridwatch frames', async () => {
    const probe = await cli('probe', video, '--json');
    expect(probe.code).toBe(0);
    expect(JSON.parse(probe.out)).toMatchObject({
      video: { codec: 'h264', width: 160 },
      subtitleTracks: [{ codec: 'mov_text' }],
    });

    const out = join(dir, 'frames');
    const frames = await cli('frames', video, '--fps', '5', '--out', out, '--width', '80');
    expect(frames).toMatchObject({ code: 0, out: `wrote 5 frames to ${out}` });
    expect((await readdir(out)).sort()).toEqual([
      'frame-000000-t00000.000s.png',
      'frame-000001-t00000.200s.png',
      'frame-000002-t00000.400s.png',
      'frame-000003-t00000.600s.png',
      'frame-000004-t00000.800s.png',
    ]);

    const bad = await cli('probe', join(dir, 'nothing.mp4'));
    expect(bad).toMatchObject({
      code: 1,
      err: `gridwatch probe: cannot read ${join(dir, 'nothing.mp4')}: no such file`,
    });
    expect((await cli('frames', video, '--out', out)).code).toBe(2);
  });
});
