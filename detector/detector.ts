import type { RawImage } from '../repositories/media-repository.js';
import { clipBox, nonMaxSuppression } from './box-geometry.js';
import { createDetectionDecoder } from './decoders/index.js';
import { boxToImage, type InputTransform } from './input-transform.js';
import { loadManifest, type ModelManifest } from './model-manifest.js';
import { ModelRunner, type ModelRunnerOptions } from './model-runner.js';
import type { Candidate, Detection, DetectionDecoder, NamedOutputs } from './types.js';
import { ModelError } from '../common/errors.js';
import { cropRaw, mergeTileDetections, planTiles, type TileDetections } from './tiling.js';

export interface DetectOptions {
  /** Also report model classes with no Gridwatch label (canonical: null). */
  includeUnmapped?: boolean;
}

export interface TileOptions {
  /**
   * Tile size as a multiple of the model input, per side. Tiles take the input's shape, so none of
   * the input is padding. Default: tiles whose shorter side is twice the input's longer side, the
   * scale the earlier square tiles had (3.25× for a 416×256 input, 2× for a square one); for the
   * bundled detector that is 12 tiles of a 4K frame instead of 18, at the same scale.
   */
  tileScale?: number;
  /** Minimum overlap between neighbouring tiles as a fraction of the tile; default 0.2. */
  overlap?: number;
  /** Also run the whole frame once, for objects larger than a tile; default true. */
  fullFrame?: boolean;
}

export interface DetectorLoadOptions extends ModelRunnerOptions {
  weights?: string;
}

interface GroupedCandidate extends Candidate {
  modelClass: number;
}

/**
 * Image → detections in original-image pixels, with Gridwatch labels. Wraps one model; the
 * decoder is picked from the manifest.
 */
export class Detector {
  private readonly decoder: DetectionDecoder;

  constructor(readonly runner: ModelRunner) {
    if (runner.manifest.task !== 'detect') {
      throw new ModelError(
        `model '${runner.manifest.name}' is a ${runner.manifest.task} model, not a detector`,
      );
    }
    this.decoder = createDetectionDecoder(runner.manifest.output);
  }

  static async load(manifestPath: string, opts: DetectorLoadOptions = {}): Promise<Detector> {
    const manifest = await loadManifest(manifestPath, opts.weights);
    return new Detector(new ModelRunner(manifest, opts));
  }

  get manifest(): ModelManifest {
    return this.runner.manifest;
  }

  async detect(image: RawImage, opts: DetectOptions = {}): Promise<Detection[]> {
    const [result] = await this.detectBatch([image], opts);
    return result!;
  }

  async detectBatch(images: readonly RawImage[], opts: DetectOptions = {}): Promise<Detection[][]> {
    const out: Detection[][] = [];
    for (const { outputs, transforms } of await this.runner.run(images)) {
      transforms.forEach((t, i) => out.push(this.postprocess(outputs, t, i, opts)));
    }
    return out;
  }

  /**
   * Detection on frames much larger than the model input (4K drone video): small objects would
   * vanish when the whole frame is shrunk to 416 px, so overlapping tiles are run (batched
   * where the graph allows) and their detections merged across borders.
   */
  async detectTiled(
    image: RawImage,
    tiling: TileOptions = {},
    opts: DetectOptions = {},
  ): Promise<Detection[]> {
    const m = this.manifest;
    const { width: w, height: h } = m.input;
    const scale = tiling.tileScale ?? (2 * Math.max(w, h)) / Math.min(w, h);
    const tiles = planTiles(
      image.width,
      image.height,
      Math.round(scale * w),
      Math.round(scale * h),
      tiling.overlap ?? 0.2,
    );
    if (tiles.length === 1) return this.detect(image, opts);
    const crops = tiles.map((t) => cropRaw(image, t));
    const perTile = await this.detectBatch(crops, opts);
    const parts: TileDetections[] = tiles.map((tile, i) => ({ tile, detections: perTile[i]! }));
    if (tiling.fullFrame !== false) parts.push({ tile: null, detections: await this.detect(image, opts) });
    return mergeTileDetections(parts, image.width, image.height, { iouThreshold: m.nms.iouThreshold });
  }

  /** Decode, threshold per class, map to the image, then NMS within each Gridwatch label. */
  postprocess(
    outputs: NamedOutputs,
    t: InputTransform,
    batchIndex: number,
    opts: DetectOptions = {},
  ): Detection[] {
    const m = this.manifest;
    const candidates = this.decoder(outputs, {
      inputWidth: m.input.width,
      inputHeight: m.input.height,
      numClasses: m.classes.length,
      scoreThreshold: m.scoreThreshold,
      batchIndex,
    });
    const groups = new Map<string, number>();
    const kept: GroupedCandidate[] = [];
    for (const c of candidates) {
      const canonical = m.classCanonical[c.classIndex];
      if (canonical === undefined) continue;
      if (canonical === null && !opts.includeUnmapped) continue;
      if (!(c.score >= m.classMinScore[c.classIndex]!)) continue;
      // Car and truck boxes on one vehicle must suppress each other: group by Gridwatch label.
      const key = m.nms.classAware ? (canonical ?? `model:${c.classIndex}`) : 'all';
      let group = groups.get(key);
      if (group === undefined) groups.set(key, (group = groups.size));
      kept.push({
        box: clipBox(boxToImage(c.box, t), t.imageWidth, t.imageHeight),
        classIndex: group,
        score: c.score,
        modelClass: c.classIndex,
      });
    }
    const survivors = nonMaxSuppression(kept, {
      iouThreshold: m.nms.iouThreshold,
      classAware: true,
      maxDetections: m.nms.maxDetections,
    });
    return survivors.map((c) => ({
      label: m.classes[c.modelClass]!,
      canonical: m.classCanonical[c.modelClass] ?? null,
      score: c.score,
      box: c.box,
    }));
  }

  close(): Promise<void> {
    return this.runner.close();
  }
}
