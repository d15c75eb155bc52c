import type { Detector } from '../detector/detector.js';
import type { Segmenter } from '../detector/segmenter.js';
import { hashSeed, renderScene, sampleScene } from '../fixtures/scene/index.js';
import { DetectionEvaluator, type ClassAp } from './detection-metrics.js';
import { SegmentationEvaluator } from './segmentation-metrics.js';

export interface SceneEvalOptions {
  n: number;
  seed: number;
  /** Scene size; defaults to the model's input size, which the training data used. */
  width?: number;
  height?: number;
  droneShare?: number;
  onProgress?: (done: number) => void;
}

/** Renders held-out scene i at the evaluation size (the model's input size by default). */
function heldOutScene(o: SceneEvalOptions, i: number, input: { width: number; height: number }) {
  return renderScene(
    sampleScene(hashSeed(o.seed, i), {
      width: o.width ?? input.width,
      height: o.height ?? input.height,
      droneShare: o.droneShare,
    }),
  );
}

export interface DetectorEvaluation {
  model: string;
  version: string;
  scenes: number;
  seed: number;
  map50: number;
  perClass: Record<string, number>;
  details: ClassAp[];
  inferenceMsPerFrame: number;
}

/**
 * Renders held-out synthetic scenes (seeds the training data never used) and scores the
 * detector against their ground truth at IoU 0.5. Model classes are compared by their
 * Gridwatch label, so any model with a label map can be scored on the same scenes.
 */
export async function evaluateDetector(detector: Detector, o: SceneEvalOptions): Promise<DetectorEvaluation> {
  const m = detector.manifest;
  const labels = [...new Set(m.classCanonical.filter((c): c is string => c !== null))];
  const evaluator = new DetectionEvaluator(labels);
  let inferMs = 0;
  for (let i = 0; i < o.n; i++) {
    const scene = await heldOutScene(o, i, m.input);
    const t0 = performance.now();
    const detections = await detector.detect(scene.image);
    inferMs += performance.now() - t0;
    const truth = scene.objects.filter((x) => !x.ignored);
    const ignored = scene.objects.filter((x) => x.ignored);
    evaluator.addImage(
      truth.map((x) => ({ label: x.label, box: x.box })),
      detections
        .filter((d) => d.canonical !== null)
        .map((d) => ({ label: d.canonical!, box: d.box, score: d.score })),
      ignored.map((x) => ({ label: x.label, box: x.box })),
    );
    o.onProgress?.(i + 1);
  }
  const details = evaluator.perClass();
  return {
    model: m.name,
    version: m.version,
    scenes: o.n,
    seed: o.seed,
    map50: evaluator.map(),
    perClass: Object.fromEntries(details.map((d) => [d.label, d.ap])),
    details,
    inferenceMsPerFrame: inferMs / Math.max(1, o.n),
  };
}

export interface SegmenterEvaluation {
  model: string;
  version: string;
  scenes: number;
  seed: number;
  iou: Record<string, number>;
  pixelAccuracy: number;
  inferenceMsPerFrame: number;
}

/** Per-class IoU of a segmenter over held-out scenes, by Gridwatch label. */
export async function evaluateSegmenter(
  segmenter: Segmenter,
  o: SceneEvalOptions,
): Promise<SegmenterEvaluation> {
  const m = segmenter.manifest;
  // Ground truth uses the canonical segmentation classes; map model classes onto them.
  const truthLabels = ['background', 'bare_soil', 'covered_soil', 'vegetation'];
  const toTruth = Uint8Array.from(m.classCanonical, (c) =>
    Math.max(0, truthLabels.indexOf(c ?? 'background')),
  );
  const evaluator = new SegmentationEvaluator(truthLabels);
  let inferMs = 0;
  for (let i = 0; i < o.n; i++) {
    const scene = await heldOutScene(o, i, m.input);
    const t0 = performance.now();
    const result = await segmenter.segment(scene.image);
    inferMs += performance.now() - t0;
    const predicted = result.classMap.data.map((c) => toTruth[c] ?? 0);
    evaluator.addImage(scene.segmentation, predicted);
    o.onProgress?.(i + 1);
  }
  return {
    model: m.name,
    version: m.version,
    scenes: o.n,
    seed: o.seed,
    iou: Object.fromEntries(evaluator.perClass().map((c) => [c.label, c.iou])),
    pixelAccuracy: evaluator.pixelAccuracy(),
    inferenceMsPerFrame: inferMs / Math.max(1, o.n),
  };
}
