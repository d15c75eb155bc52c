import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaError } from '../common/errors.js';
import { mediaInfoFromProbe, parseRate, probeVideo } from '../video/probe.js';
import { sharedAsset } from './support/shared-assets.js';
import { makeTestVideo, tempDir } from './support/video-fixtures.js';

describe('probeVideo', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads container, codec, duration, rate, size and frame count of the shared videos', async () => {
    const night = await probeVideo(sharedAsset('media/street_night.mp4'));
    expect(night.container).toContain('mp4');
    expect(night.video).toMatchObject({
      codec: 'h264',
      width: 426,
      height: 240,
      displayWidth: 426,
      rotation: 0,
      frameRate: 30,
      frameCount: 431,
    });
    expect(night.durationS).toBeCloseTo(14.3667, 3);
    expect(night.subtitleTracks).toEqual([]);

    const lot = await probeVideo(sharedAsset('media/parking_lot_topdown.mp4'), { countFrames: true });
    expect(lot.video).toMatchObject({ width: 768, height: 432, frameRate: 12.5, frameCount: 377 });
    expect(lot.audioStreamCount).toBe(1);
  });

  it('lists subtitle tracks (where DJI telemetry lives) with their language', async () => {
    const path = await makeTestVideo(join(dir, 'with-subs.mkv'), {
      seconds: 1,
      inputs: ['-i', sharedAsset('media/dji-srt/air2s.srt')],
      extra: ['-map', '0:v', '-map', '1:s', '-c:s', 'srt', '-metadata:s:s:0', 'language=eng'],
    });
    const info = await probeVideo(path);
    expect(info.container).toContain('matroska');
    expect(info.subtitleTracks).toEqual([{ index: 1, codec: 'subrip', isText: true, language: 'eng' }]);
    expect(info.dataTracks).toEqual([]);
  });

  it('types loose ffprobe records and validates them', () => {
    const raw = {
      format: {
        format_name: 'mov,mp4,m4a,3gp,3g2,mj2',
        duration: '12.5',
        start_time: '0.000000',
        size: 1000,
      },
      streams: [
        {
          index: 0,
          codec_type: 'video',
          codec_name: 'mjpeg',
          width: 100,
          height: 100,
          disposition: { attached_pic: 1 },
        },
        {
          index: 1,
          codec_type: 'video',
          codec_name: 'hevc',
          width: 1920,
          height: 1080,
          rotation: '-90',
          avg_frame_rate: '0/0',
          r_frame_rate: '30000/1001',
        },
        { index: 2, codec_type: 'data', codec_tag_string: 'djmd', tags: { handler_name: 'DJI meta' } },
        { index: 3, codec_type: 'subtitle', codec_name: 'dvd_subtitle' },
      ],
    };
    const info = mediaInfoFromProbe('/x/clip.mp4', raw);
    expect(info.video).toMatchObject({
      index: 1,
      codec: 'hevc',
      rotation: 90,
      displayWidth: 1080,
      displayHeight: 1920,
    });
    expect(info.video.frameRate).toBeCloseTo(29.97, 2);
    expect(info.dataTracks).toEqual([{ index: 2, codecTag: 'djmd', handler: 'DJI meta' }]);
    expect(info.subtitleTracks[0]!.isText).toBe(false);
    expect(info.durationS).toBe(12.5);
    expect(() => mediaInfoFromProbe('/x/a.mp4', { format: {}, streams: [] })).toThrow(
      new MediaError('cannot read /x/a.mp4: no video stream (no streams at all)'),
    );
    expect(() =>
      mediaInfoFromProbe('/x/b.mkv', {
        format: { format_name: 'matroska' },
        streams: [{ index: 0, codec_type: 'video', width: 0, height: 0, codec_name: 'h264' }],
      }),
    ).toThrow(/b\.mkv: video stream has no frame size/);
  });

  it('parses rates', () => {
    expect(parseRate('25/1')).toBe(25);
    expect(parseRate('0/0')).toBeUndefined();
    expect(parseRate('N/A')).toBeUndefined();
    expect(parseRate('12.5')).toBe(12.5);
  });
});
