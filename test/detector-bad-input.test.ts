import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelError, MediaError } from '../common/errors.js';
import { Detector } from '../detector/detector.js';
import { decodeImage } from '../repositories/media-repository.js';
import { sharedAsset } from './support/shared-assets.js';

const run = promisify(execFile);
let dir: string;
const yoloxManifest = 'models/catalogue/yolox-nano-coco.json';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridwatch-bad-'));
  await writeFile(join(dir, 'not-an-image.jpg'), 'this is plain text, not a JPEG\n');
  const jpeg = await readFile(sharedAsset('media/highway_cars.jpg'));
  await writeFile(join(dir, 'truncated.jpg'), jpeg.subarray(0, Math.floor(jpeg.length / 3)));
  await writeFile(join(dir, 'empty.onnx'), '');
  const manifest = JSON.parse(await readFile(yoloxManifest, 'utf8'));
  await writeFile(
    join(dir, 'wrong-size.json'),
    JSON.stringify({ ...manifest, input: { ...manifest.input, width: 320, height: 320 } }),
  );
  await copyFile(sharedAsset('models/yolox_nano.onnx'), join(dir, 'yolox.onnx'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('node', ['bin/gridwatch.js', ...args], { timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string; killed?: boolean };
    if (e.killed) throw new Error('gridwatch hung and was killed', { cause: err });
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('bad inputs give clear errors', () => {
  it('a non-image file', async () => {
    await expect(
      decodeImage(await readFile(join(dir, 'not-an-image.jpg')), 'not-an-image.jpg'),
    ).rejects.toThrow(/cannot decode not-an-image\.jpg: not a supported image/);
    await expect(decodeImage(await readFile(join(dir, 'not-an-image.jpg')))).rejects.toBeInstanceOf(
      MediaError,
    );
  });

  it('a truncated JPEG', async () => {
    await expect(decodeImage(await readFile(join(dir, 'truncated.jpg')), 'truncated.jpg')).rejects.toThrow(
      /cannot decode truncated\.jpg: truncated or corrupt/,
    );
  });

  it('a manifest whose input size contradicts the graph', async () => {
    const d = await Detector.load(join(dir, 'wrong-size.json'), { weights: join(dir, 'yolox.onnx') });
    const img = { data: new Uint8Array(64 * 64 * 3), width: 64, height: 64 };
    await expect(d.detect(img)).rejects.toThrow(
      /manifest input size 320x320 contradicts graph input 'images' \[1, 3, 416, 416\]/,
    );
  });

  it('a missing weights file', async () => {
    const d = await Detector.load(yoloxManifest, { weights: join(dir, 'nope.onnx') });
    await expect(d.detect({ data: new Uint8Array(12), width: 2, height: 2 })).rejects.toThrow(
      /model weights not found: .*nope\.onnx/,
    );
  });

  it('a zero-byte ONNX file', async () => {
    const d = await Detector.load(yoloxManifest, { weights: join(dir, 'empty.onnx') });
    await expect(d.detect({ data: new Uint8Array(12), width: 2, height: 2 })).rejects.toThrow(ModelError);
    await expect(d.detect({ data: new Uint8Array(12), width: 2, height: 2 })).rejects.toThrow(
      /empty \(0 bytes\)/,
    );
  });

  it('a manifest without weights and none given', async () => {
    const d = await Detector.load(yoloxManifest);
    await expect(d.detect({ data: new Uint8Array(12), width: 2, height: 2 })).rejects.toThrow(
      /has no weights: give the ONNX file/,
    );
  });

  it('a frame whose buffer is shorter than its size says', async () => {
    const d = await Detector.load(yoloxManifest, { weights: join(dir, 'yolox.onnx') });
    await expect(d.detect({ data: new Uint8Array(10), width: 64, height: 64 })).rejects.toThrow(
      /not a valid RGB frame/,
    );
    await d.close();
  });
});

describe('the CLI reports bad inputs with exit code 1 and one clear line', () => {
  const weights = () => ['--model', yoloxManifest, '--weights', join(dir, 'yolox.onnx')];

  it.each([
    ['not-an-image.jpg', /not a supported image/],
    ['truncated.jpg', /truncated or corrupt/],
    ['missing.jpg', /cannot read image .*missing\.jpg/],
  ])('%s', async (file, message) => {
    const r = await cli('detect', join(dir, file), ...weights());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace for user errors
  });

  it('zero-byte weights and contradicting manifest', async () => {
    const img = sharedAsset('media/single_car.jpg');
    const empty = await cli('detect', img, '--model', yoloxManifest, '--weights', join(dir, 'empty.onnx'));
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/empty \(0 bytes\)/);
    const wrong = await cli(
      'detect',
      img,
      '--model',
      join(dir, 'wrong-size.json'),
      '--weights',
      join(dir, 'yolox.onnx'),
    );
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/contradicts graph input/);
  });

  it('usage errors exit 2 with the usage text', async () => {
    const r = await cli('detect', sharedAsset('media/single_car.jpg'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--model is required/);
    expect(r.stderr).toMatch(/usage|gridwatch detect <image>/);
  });

  it('--json prints the documented shape', async () => {
    const r = await cli('detect', sharedAsset('media/highway_cars.jpg'), ...weights(), '--json');
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.stdout) as {
      detections: { label: string; canonical: string; score: number; box: number[] }[];
    };
    expect(parsed.detections.length).toBeGreaterThanOrEqual(3);
    expect(Object.keys(parsed.detections[0]!).sort()).toEqual(['box', 'canonical', 'label', 'score']);
    expect(parsed.detections[0]!.box).toHaveLength(4);
  });
});
