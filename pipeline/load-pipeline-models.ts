/**
 * Loads the detector (and, when a source needs it, the soil segmenter) the pipeline stages take.
 * `gridwatch run` and the queue workers both come through here, so a model is chosen, checked and
 * sized the same way wherever a video is analysed. One ONNX session per model per process: a
 * worker running several jobs at once shares it (session.run is asynchronous and thread-safe).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppConfig } from '../common/app-config.js';
import { InvalidInputError } from '../common/errors.js';
import { Detector } from '../detector/detector.js';
import { Segmenter } from '../detector/segmenter.js';
import type { SourceConfig } from '../violations/config/source-config.js';
import { sourceNeedsSoil } from './analyse-segment.js';
import { detectorStage, segmenterStage } from './model-stages.js';
import {
  silentPipelineLogger,
  type FrameDetector,
  type FrameSegmenter,
  type PipelineLogger,
} from './pipeline-types.js';

const MODELS_DIR = fileURLToPath(new URL('../models/', import.meta.url));
export const BUNDLED_DETECTOR = `${MODELS_DIR}street-detector/manifest.json`;
export const BUNDLED_SEGMENTER = `${MODELS_DIR}soil-segmenter/manifest.json`;
/** Frames wider than this are tiled (4K drone video), so small objects survive the resize. */
const TILE_ABOVE_WIDTH = 2000;

export interface PipelineModelChoice {
  /** Detector manifest: a path, or a models/ name (`yolox-nano-coco`, `street-detector`); unset: the bundled one. */
  detector?: string | undefined;
  detectorWeights?: string | undefined;
  /** Soil segmenter manifest (path or models/ name); unset: the bundled one when it exists. */
  segmenter?: string | undefined;
  segmenterWeights?: string | undefined;
  /** ONNX intra-op threads per session. */
  threads: number;
  /** How the user picks a detector, appended to the error when the bundled one is missing. */
  howToChoose?: string;
}

/** The models the configuration names (GRIDWATCH_DETECTOR_MODEL and friends), as servers load them. */
export function configuredModelChoice(
  config: Pick<
    AppConfig,
    'detectorModel' | 'detectorWeights' | 'segmenterModel' | 'segmenterWeights' | 'ortThreads'
  >,
): PipelineModelChoice {
  return {
    detector: config.detectorModel,
    detectorWeights: config.detectorWeights,
    segmenter: config.segmenterModel,
    segmenterWeights: config.segmenterWeights,
    threads: config.ortThreads,
  };
}

/**
 * A manifest path from a models/ name or a path. Names are looked up in models/catalogue/<name>.json,
 * then models/<name>/manifest.json; anything with a slash or a .json ending is a path.
 */
export function resolveModelManifest(nameOrPath: string): string {
  if (nameOrPath.includes('/') || nameOrPath.includes('\\') || nameOrPath.endsWith('.json')) {
    return resolve(nameOrPath);
  }
  if (!/^[a-z0-9][a-z0-9._-]*$/i.test(nameOrPath)) {
    throw new InvalidInputError(`'${nameOrPath}' is neither a model name nor a manifest path`);
  }
  for (const candidate of [
    `${MODELS_DIR}catalogue/${nameOrPath}.json`,
    `${MODELS_DIR}${nameOrPath}/manifest.json`,
  ]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new InvalidInputError(
    `no model named '${nameOrPath}' in models/ (looked for models/catalogue/${nameOrPath}.json and models/${nameOrPath}/manifest.json)`,
  );
}

/**
 * The models of one process, loaded on first use and kept: the detector for every video, the
 * segmenter only once a source with an exposed-soil rule comes along.
 */
export class PipelineModels {
  private detectorLoad: Promise<{ stage: FrameDetector; model: Detector }> | undefined;
  private segmenterLoad: Promise<{ stage: FrameSegmenter; model: Segmenter } | null> | undefined;

  constructor(
    private readonly choice: PipelineModelChoice,
    private readonly logger: PipelineLogger = silentPipelineLogger,
  ) {}

  async detector(): Promise<FrameDetector> {
    const load = (this.detectorLoad ??= this.loadDetector());
    try {
      return (await load).stage;
    } catch (err) {
      // A failed load is not kept: the model may be fixed or appear before the next job.
      if (this.detectorLoad === load) this.detectorLoad = undefined;
      throw err;
    }
  }

  /** The segmenter when this source has a soil rule to feed (or one was named), else undefined. */
  async segmenterFor(source: SourceConfig): Promise<FrameSegmenter | undefined> {
    if (!sourceNeedsSoil(source) && !this.choice.segmenter) return undefined;
    const load = (this.segmenterLoad ??= this.loadSegmenter());
    try {
      return (await load)?.stage;
    } catch (err) {
      if (this.segmenterLoad === load) this.segmenterLoad = undefined;
      throw err;
    }
  }

  /** Both stages a source needs. */
  async forSource(source: SourceConfig): Promise<{ detector: FrameDetector; segmenter?: FrameSegmenter }> {
    const detector = await this.detector();
    const segmenter = await this.segmenterFor(source);
    return segmenter ? { detector, segmenter } : { detector };
  }

  async close(): Promise<void> {
    const d = await this.detectorLoad?.catch(() => undefined);
    const s = await this.segmenterLoad?.catch(() => undefined);
    this.detectorLoad = undefined;
    this.segmenterLoad = undefined;
    await d?.model.close();
    await s?.model.close();
  }

  private async loadDetector(): Promise<{ stage: FrameDetector; model: Detector }> {
    const manifest = this.choice.detector ? resolveModelManifest(this.choice.detector) : BUNDLED_DETECTOR;
    if (!this.choice.detector && !existsSync(manifest)) {
      throw new InvalidInputError(
        `the bundled street detector (models/street-detector/manifest.json) is not there yet: it is still being trained. ` +
          (this.choice.howToChoose ??
            'Set GRIDWATCH_DETECTOR_MODEL to a models/ name or manifest (and GRIDWATCH_DETECTOR_WEIGHTS), e.g. yolox-nano-coco with ../shared/models/yolox_nano.onnx (vehicles and people only)'),
      );
    }
    const model = await Detector.load(manifest, {
      weights: this.choice.detectorWeights,
      intraOpThreads: this.choice.threads,
    });
    return { stage: detectorStage(model, { tileAboveWidth: TILE_ABOVE_WIDTH }), model };
  }

  private async loadSegmenter(): Promise<{ stage: FrameSegmenter; model: Segmenter } | null> {
    const manifest = this.choice.segmenter ? resolveModelManifest(this.choice.segmenter) : BUNDLED_SEGMENTER;
    if (!this.choice.segmenter && !existsSync(manifest)) {
      this.logger.warn(
        'exposed_soil is on for this source but the bundled soil segmenter (models/soil-segmenter/manifest.json) is not there yet; name one with --segmenter or GRIDWATCH_SEGMENTER_MODEL',
      );
      return null;
    }
    const model = await Segmenter.load(manifest, {
      weights: this.choice.segmenterWeights,
      intraOpThreads: this.choice.threads,
    });
    return { stage: segmenterStage(model), model };
  }
}
