import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaError } from '../common/errors.js';
import { encodeJpeg, encodePng, type RawImage } from '../repositories/media-repository.js';
import { findExifTiff, readExifCaptureTime } from '../video/exif-datetime.js';
import { ImageFolderSource, type ImageFrame } from '../video/image-folder-source.js';
import { withExifTimes } from './support/exif-jpeg.js';
import { tempDir } from './support/video-fixtures.js';

function solid(value: number, width = 64, height = 48): RawImage {
  return { data: new Uint8Array(width * height * 3).fill(value), width, height };
}

async function drain(source: ImageFolderSource): Promise<ImageFrame[]> {
  const out: ImageFrame[] = [];
  for await (const f of source) out.push(f);
  return out;
}

describe('EXIF capture time', () => {
  it('reads DateTimeOriginal with sub-seconds and offset, little- and big-endian', async () => {
    const jpeg = await encodeJpeg(solid(90));
    for (const bigEndian of [false, true]) {
      const bytes = withExifTimes(jpeg, {
        dateTimeOriginal: '2024:05:01 10:20:30',
        subSec: '25',
        offset: '+08:00',
        bigEndian,
      });
      const t = readExifCaptureTime(findExifTiff(bytes)!);
      expect(t).toEqual({
        text: '2024:05:01 10:20:30.25',
        iso: '2024-05-01T10:20:30.250+08:00',
        sortMs: Date.UTC(2024, 4, 1, 2, 20, 30, 250),
      });
    }
  });

  it('reads nothing, without throwing, from images without EXIF or with broken EXIF', async () => {
    expect(findExifTiff(await encodeJpeg(solid(10)))).toBeUndefined();
    expect(findExifTiff(await encodePng(solid(10)))).toBeUndefined();
    const bytes = withExifTimes(await encodeJpeg(solid(10)), { dateTimeOriginal: '2024:05:01 10:20:30' });
    const tiff = findExifTiff(bytes)!;
    expect(readExifCaptureTime(tiff.subarray(0, 20))).toBeUndefined();
    expect(readExifCaptureTime(new Uint8Array([0x49, 0x49, 42, 0, 0xff, 0xff, 0xff, 0x0f]))).toBeUndefined();
    const garbled = withExifTimes(await encodeJpeg(solid(10)), { dateTimeOriginal: 'not a date at all!!' });
    expect(readExifCaptureTime(findExifTiff(garbled)!)).toBeUndefined();
  });
});

describe('ImageFolderSource', () => {
  let dir: string;
  beforeAll(async () => {
    dir = tempDir('gridwatch-images-');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('orders by EXIF capture time, not by name, with timestamps from the first photo', async () => {
    const folder = join(dir, 'flight');
    await mkdir(folder);
    // Names deliberately out of capture order (a counter that wrapped, or a second card).
    const shots = [
      { name: 'DJI_0003.JPG', time: '2024:05:01 10:00:00', grey: 30 },
      { name: 'DJI_0001.JPG', time: '2024:05:01 10:00:04', grey: 60 },
      { name: 'DJI_0002.JPG', time: '2024:05:01 10:00:02', grey: 90 },
    ];
    for (const s of shots) {
      await writeFile(
        join(folder, s.name),
        withExifTimes(await encodeJpeg(solid(s.grey)), { dateTimeOriginal: s.time }),
      );
    }
    await writeFile(join(folder, 'notes.txt'), 'not an image');
    const source = await ImageFolderSource.open(folder);
    expect(source.order).toBe('exif-time');
    const frames = await drain(source);
    expect(frames.map((f) => [f.path.split('/').pop(), f.ptsS, f.index])).toEqual([
      ['DJI_0003.JPG', 0, 0],
      ['DJI_0002.JPG', 2, 1],
      ['DJI_0001.JPG', 4, 2],
    ]);
    expect(frames[1]!.capturedAt).toBe('2024-05-01T10:00:02');
    expect(Math.abs(frames[1]!.image.data[0]! - 90)).toBeLessThan(4);
  });

  it('falls back to natural name order when capture times are missing, and scales on request', async () => {
    const folder = join(dir, 'plain');
    await mkdir(folder);
    for (const name of ['img10.png', 'img9.png', 'img1.jpg'])
      await writeFile(join(folder, name), await encodePng(solid(50, 80, 40)));
    await writeFile(
      join(folder, 'img2.jpg'),
      withExifTimes(await encodeJpeg(solid(50, 80, 40)), { dateTimeOriginal: '2024:05:01 10:00:00' }),
    );
    const source = await ImageFolderSource.open(folder, { width: 40 });
    expect(source.order).toBe('name');
    expect(source.warnings[0]).toMatch(/3 of 4 images .* no EXIF capture time/);
    const frames = await drain(source);
    expect(frames.map((f) => f.path.split('/').pop())).toEqual([
      'img1.jpg',
      'img2.jpg',
      'img9.png',
      'img10.png',
    ]);
    expect(frames.map((f) => f.ptsS)).toEqual([0, 1, 2, 3]);
    expect([frames[0]!.image.width, frames[0]!.image.height]).toEqual([40, 20]);
  });

  it('gives clear errors for missing, empty and broken folders', async () => {
    await expect(ImageFolderSource.open(join(dir, 'nope'))).rejects.toThrow(
      /cannot read image folder .*nope/,
    );
    const empty = join(dir, 'empty');
    await mkdir(empty);
    await expect(ImageFolderSource.open(empty)).rejects.toThrow(`no images in ${empty}`);
    const broken = join(dir, 'broken');
    await mkdir(broken);
    await writeFile(join(broken, 'a.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 4, 1, 2]));
    await expect(drain(await ImageFolderSource.open(broken))).rejects.toThrow(MediaError);
    await expect(drain(await ImageFolderSource.open(broken))).rejects.toThrow(/a\.jpg/);
  });
});
