import { ModelError } from '../common/errors.js';
import type { RawImage } from '../repositories/media-repository.js';
import { loadManifest, type ModelManifest } from './model-manifest.js';
import { ModelRunner, type ModelRunnerOptions } from './model-runner.js';
import { pickOutput } from './decoders/output-shape.js';
import {
  classAreas,
  decodeSegmentation,
  findRegions,
  type ClassMap,
  type Region,
  type RegionOptions,
} from './segmentation.js';

export interface SegmentClass {
  index: number;
  label: string;
  canonical: string | null;
  pixelArea: number;
  /** pixelArea over the whole image. */
  share: number;
}

export interface SegmentationResult {
  classMap: ClassMap;
  classes: SegmentClass[];
}

/**
 * Image → per-pixel classes at image size. Pixels are labelled by argmax over the classes;
 * several model classes may map to one Gridwatch label, so region queries go by label.
 */
export class Segmenter {
  constructor(readonly runner: ModelRunner) {
    if (runner.manifest.task !== 'segment') {
      throw new ModelError(
        `model '${runner.manifest.name}' is a ${runner.manifest.task} model, not a segmenter`,
      );
    }
  }

  static async load(
    manifestPath: string,
    opts: ModelRunnerOptions & { weights?: string } = {},
  ): Promise<Segmenter> {
    return new Segmenter(new ModelRunner(await loadManifest(manifestPath, opts.weights), opts));
  }

  get manifest(): ModelManifest {
    return this.runner.manifest;
  }

  async segment(image: RawImage): Promise<SegmentationResult> {
    const [result] = await this.segmentBatch([image]);
    return result!;
  }

  async segmentBatch(images: readonly RawImage[]): Promise<SegmentationResult[]> {
    const m = this.manifest;
    const out: SegmentationResult[] = [];
    for (const { outputs, transforms } of await this.runner.run(images)) {
      const { name, tensor } = pickOutput(outputs, 'segmentation', m.output.outputName);
      if (tensor.dims[1] !== m.classes.length) {
        throw new ModelError(
          `segmentation output '${name}' has ${tensor.dims[1]} channels, manifest lists ${m.classes.length} classes`,
        );
      }
      transforms.forEach((t, batchIndex) => {
        const classMap = decodeSegmentation(tensor, t, { batchIndex });
        const areas = classAreas(classMap);
        const total = classMap.width * classMap.height;
        out.push({
          classMap,
          classes: m.classes.map((label, index) => ({
            index,
            label,
            canonical: m.classCanonical[index] ?? null,
            pixelArea: areas[index] ?? 0,
            share: (areas[index] ?? 0) / total,
          })),
        });
      });
    }
    return out;
  }

  /** Connected regions of every model class mapped to `canonical`, largest first. */
  regions(result: SegmentationResult, canonical: string, opts?: RegionOptions): Region[] {
    return result.classes
      .filter((c) => c.canonical === canonical)
      .flatMap((c) => findRegions(result.classMap, c.index, opts))
      .sort((a, b) => b.area - a.area);
  }

  close(): Promise<void> {
    return this.runner.close();
  }
}
