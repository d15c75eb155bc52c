import { describe, expect, it } from 'vitest';
import { DetectionEvaluator, averagePrecision } from './detection-metrics.js';
import { SegmentationEvaluator } from './segmentation-metrics.js';

describe('DetectionEvaluator', () => {
  it('gives AP 1 for perfect predictions and counts misses and false positives', () => {
    const e = new DetectionEvaluator(['vehicle', 'person']);
    e.addImage(
      [
        { label: 'vehicle', box: [0, 0, 10, 10] },
        { label: 'person', box: [20, 20, 30, 40] },
      ],
      [
        { label: 'vehicle', box: [0, 0, 10, 10], score: 0.9 },
        { label: 'person', box: [20, 20, 30, 40], score: 0.8 },
      ],
    );
    expect(e.map()).toBe(1);
  });

  it('matches the hand-computed AP of a ranked list', () => {
    // Two ground truths; predictions ranked TP, FP, TP: precision 1, 1/2, 2/3 at recall 1/2, 1/2, 1.
    // Interpolated: recall 0→0.5 at precision 1, 0.5→1 at precision 2/3: AP = 0.5 + 1/3.
    const e = new DetectionEvaluator(['vehicle']);
    e.addImage(
      [
        { label: 'vehicle', box: [0, 0, 10, 10] },
        { label: 'vehicle', box: [50, 50, 60, 60] },
      ],
      [
        { label: 'vehicle', box: [0, 0, 10, 10], score: 0.9 },
        { label: 'vehicle', box: [100, 100, 110, 110], score: 0.8 },
        { label: 'vehicle', box: [50, 50, 60, 61], score: 0.7 },
      ],
    );
    expect(e.perClass()[0]!.ap).toBeCloseTo(0.5 + 1 / 3, 9);
  });

  it('counts a duplicate of a matched box as a false positive, and wrong labels never match', () => {
    const e = new DetectionEvaluator(['vehicle', 'person']);
    e.addImage(
      [{ label: 'vehicle', box: [0, 0, 10, 10] }],
      [
        { label: 'vehicle', box: [0, 0, 10, 10], score: 0.9 },
        { label: 'vehicle', box: [0, 0, 10, 10], score: 0.8 },
        { label: 'person', box: [0, 0, 10, 10], score: 0.95 },
      ],
    );
    const [vehicle, person] = e.perClass();
    expect(vehicle!.ap).toBe(1); // the duplicate ranks below the true positive
    expect(vehicle!.predictions).toBe(2);
    expect(Number.isNaN(person!.ap)).toBe(true); // no person ground truth: excluded from mAP
    expect(e.map()).toBe(1);
  });

  it('drops predictions on ignored objects instead of counting them as false positives', () => {
    const e = new DetectionEvaluator(['vehicle']);
    e.addImage(
      [{ label: 'vehicle', box: [0, 0, 10, 10] }],
      [
        { label: 'vehicle', box: [50, 50, 60, 60], score: 0.95 },
        { label: 'vehicle', box: [0, 0, 10, 10], score: 0.9 },
      ],
      [{ label: 'vehicle', box: [50, 50, 60, 60] }],
    );
    expect(e.perClass()[0]!.ap).toBe(1);
    expect(e.perClass()[0]!.predictions).toBe(1);
  });

  it('averagePrecision of an empty list is 0', () => {
    expect(averagePrecision([], [])).toBe(0);
  });
});

describe('SegmentationEvaluator', () => {
  it('computes IoU per class', () => {
    const e = new SegmentationEvaluator(['bg', 'soil']);
    e.addImage(new Uint8Array([0, 0, 1, 1]), new Uint8Array([0, 1, 1, 1]));
    const [bg, soil] = e.perClass();
    expect(bg!.iou).toBeCloseTo(1 / 2);
    expect(soil!.iou).toBeCloseTo(2 / 3);
    expect(e.pixelAccuracy()).toBeCloseTo(3 / 4);
    expect(() => e.addImage(new Uint8Array(2), new Uint8Array(3))).toThrow(/sizes differ/);
  });
});
