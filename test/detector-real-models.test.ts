import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { iou } from '../detector/box-geometry.js';
import { Detector } from '../detector/detector.js';
import type { BoxXYXY, Detection } from '../detector/types.js';
import { decodeImage, resizeRaw, type RawImage } from '../repositories/media-repository.js';
import { REFERENCE_MODELS, sharedAsset } from './support/shared-assets.js';

const detectors: Detector[] = [];
let highway: RawImage;
let crowd: RawImage;

beforeAll(async () => {
  highway = await decodeImage(await readFile(sharedAsset('media/highway_cars.jpg')));
  crowd = await decodeImage(await readFile(sharedAsset('media/street_crowd.jpg')));
  for (const m of REFERENCE_MODELS) {
    detectors.push(await Detector.load(m.manifest, { weights: sharedAsset(m.weights), intraOpThreads: 1 }));
  }
});

afterAll(async () => {
  await Promise.all(detectors.map((d) => d.close()));
});

const vehicles = (ds: Detection[]) => ds.filter((d) => d.canonical === 'vehicle');
const centre = (b: BoxXYXY): [number, number] => [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2];
const contains = (b: BoxXYXY, [x, y]: [number, number]) => x >= b[0] && x <= b[2] && y >= b[1] && y <= b[3];

describe('reference COCO detectors on real photos', () => {
  it('YOLOX-nano finds at least 3 vehicles >= 0.6 on highway_cars.jpg, with the reference scores', async () => {
    const cars = vehicles(await detectors[0]!.detect(highway));
    expect(cars.filter((d) => d.score >= 0.6).length).toBeGreaterThanOrEqual(3);
    // shared/models/README.md reports 0.86 / 0.83 / 0.77 for this photo with another resampler;
    // ours (footprint taps, see preprocess.ts) lands within 0.1 of each.
    const top = cars
      .slice(0, 3)
      .map((d) => d.score)
      .sort((a, b) => b - a);
    [0.86, 0.83, 0.77].forEach((ref, i) => expect(Math.abs(top[i]! - ref)).toBeLessThan(0.1));
  });

  it('boxes match coordinates read by eye off the annotated image', async () => {
    const cars = vehicles(await detectors[0]!.detect(highway));
    // Checked on `gridwatch detect --annotate`: the blue car on the left, its plate near (229, 601);
    // the large grey car on the right, its plate near (1493, 810).
    const blue = cars.find((d) => contains(d.box, [229, 601]) && d.box[2] < 500)!;
    const grey = cars.find((d) => contains(d.box, [1493, 810]))!;
    expect(blue).toBeDefined();
    expect(grey).toBeDefined();
    const near = (a: BoxXYXY, b: BoxXYXY, tol: number) =>
      a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThan(tol));
    near(blue.box, [114, 479, 350, 654], 20);
    near(grey.box, [770, 389, 1746, 960], 40);
    expect(blue.label).toBe('car');
  });

  it('the three detectors agree on the most confident car (IoU >= 0.7)', async () => {
    // The models rank the two front cars differently (their scores are within 0.02), so the check
    // is that every model's most confident car is found by each other model at IoU >= 0.7.
    const perModel: Detection[][] = [];
    for (const d of detectors) perModel.push(vehicles(await d.detect(highway)));
    for (let i = 0; i < perModel.length; i++) {
      const top = perModel[i]![0]!;
      for (let j = 0; j < perModel.length; j++) {
        if (i === j) continue;
        const bestMatch = Math.max(...perModel[j]!.map((d) => iou(d.box, top.box)));
        expect(bestMatch, `model ${i}'s top car in model ${j}`).toBeGreaterThanOrEqual(0.7);
      }
    }
  });

  it('each detector finds at least 10 persons on street_crowd.jpg', async () => {
    for (const d of detectors) {
      const persons = (await d.detect(crowd)).filter((x) => x.canonical === 'person');
      expect(persons.length, d.manifest.name).toBeGreaterThanOrEqual(10);
      for (const p of persons) {
        expect(p.box[0]).toBeGreaterThanOrEqual(0);
        expect(p.box[2]).toBeLessThanOrEqual(crowd.width);
        expect(p.box[3] - p.box[1]).toBeGreaterThan(p.box[2] - p.box[0]); // people are taller than wide
      }
    }
  });

  it('reports unmapped classes only when asked', async () => {
    const dogImage = await decodeImage(await readFile(sharedAsset('media/dog_bicycle_car.jpg')));
    const mapped = await detectors[0]!.detect(dogImage);
    const all = await detectors[0]!.detect(dogImage, { includeUnmapped: true });
    expect(mapped.every((d) => d.canonical !== null)).toBe(true);
    const dog = all.find((d) => d.label === 'dog');
    expect(dog?.canonical).toBeNull();
    expect(dog!.score).toBeGreaterThan(0.8);
  });

  it('gives the same boxes for a raw frame and a batch of two', async () => {
    const single = await detectors[0]!.detect(highway);
    const [a, b] = await detectors[0]!.detectBatch([highway, crowd]);
    expect(a!.map((d) => d.box)).toEqual(single.map((d) => d.box));
    expect(b!.length).toBeGreaterThan(0);
  });

  it('tiled detection on a 4K frame finds the same cars once each', async () => {
    const big = await resizeRaw(highway, 3840, 2560);
    const plain = vehicles(await detectors[0]!.detect(highway));
    const tiled = vehicles(await detectors[0]!.detectTiled(big));
    for (const car of plain.slice(0, 3)) {
      const scaled = car.box.map((v) => v * 2) as BoxXYXY;
      const matches = tiled.filter((t) => iou(t.box, scaled) > 0.5);
      expect(matches.length, `car at ${centre(scaled).join(',')}`).toBe(1);
      expect(iou(matches[0]!.box, scaled)).toBeGreaterThanOrEqual(0.7);
    }
  });
});
