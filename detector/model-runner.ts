import { ModelError } from '../common/errors.js';
import {
  openOnnxSession,
  type OnnxSession,
  type OnnxSessionOptions,
} from '../repositories/onnx-repository.js';
import type { RawImage } from '../repositories/media-repository.js';
import { checkManifestAgainstGraph, graphAcceptsBatch } from './graph-check.js';
import { computeInputTransform, type InputTransform } from './input-transform.js';
import type { ModelManifest } from './model-manifest.js';
import { buildNormalizationLut, resampleAndPack } from './preprocess.js';
import type { NamedOutputs } from './types.js';

export interface ModelRunnerOptions extends OnnxSessionOptions {
  /** Run one blank input after loading so the first real frame is not slow. */
  warmUp?: boolean;
}

export interface RunResult {
  outputs: NamedOutputs;
  transforms: InputTransform[];
}

/**
 * Owns one ONNX session for one manifest: lazy loading, graph validation, warm-up, and
 * image → tensor → outputs. Decoding is the caller's (detector or segmenter).
 */
export class ModelRunner {
  private session?: Promise<OnnxSession>;
  private readonly lut: Float32Array;

  constructor(
    readonly manifest: ModelManifest,
    private readonly opts: ModelRunnerOptions = {},
  ) {
    this.lut = buildNormalizationLut(manifest.input.normalization);
  }

  /** Opens the session on first use; concurrent callers share one load. */
  load(): Promise<OnnxSession> {
    this.session ??= this.open().catch((err: unknown) => {
      this.session = undefined;
      throw err;
    });
    return this.session;
  }

  private async open(): Promise<OnnxSession> {
    const m = this.manifest;
    if (m.weightsPath === null) {
      throw new ModelError(
        `model '${m.name}' has no weights: give the ONNX file (--weights) or set "weights" in the manifest`,
      );
    }
    const session = await openOnnxSession(m.weightsPath, this.opts);
    try {
      checkManifestAgainstGraph(m, session.graph, m.weightsPath);
      if (this.opts.warmUp !== false) {
        const { width, height } = m.input;
        await session.run(m.input.name, new Float32Array(3 * width * height), [1, 3, height, width]);
      }
    } catch (err) {
      await session.release();
      throw err;
    }
    return session;
  }

  transformFor(image: { width: number; height: number }): InputTransform {
    const { width, height, resize, letterboxAnchor } = this.manifest.input;
    return computeInputTransform(image.width, image.height, width, height, resize, letterboxAnchor);
  }

  /** Resizes and packs images into one NCHW tensor. */
  prepare(images: readonly RawImage[]): { data: Float32Array; dims: number[]; transforms: InputTransform[] } {
    const { width, height } = this.manifest.input;
    const itemSize = 3 * width * height;
    const data = new Float32Array(itemSize * images.length);
    const transforms: InputTransform[] = [];
    for (let i = 0; i < images.length; i++) {
      const img = images[i]!;
      if (!(img.width > 0 && img.height > 0) || img.data.length < img.width * img.height * 3) {
        throw new ModelError(
          `image ${i} is not a valid RGB frame (${img.width}x${img.height}, ${img.data.length} bytes)`,
        );
      }
      const t = this.transformFor(img);
      resampleAndPack(img, t, this.lut, this.manifest.input.normalization, data, i * itemSize);
      transforms.push(t);
    }
    return { data, dims: [images.length, 3, height, width], transforms };
  }

  /** Runs a prepared tensor as is: the raw `session.run` cost, for benchmarks. */
  async runTensor(data: Float32Array, dims: readonly number[]): Promise<NamedOutputs> {
    const session = await this.load();
    return session.run(this.manifest.input.name, data, dims);
  }

  /**
   * Runs images in as few session calls as the graph allows: one batch when its batch
   * dimension is dynamic (up to the manifest's batch size), else one call per image.
   */
  async run(images: readonly RawImage[]): Promise<RunResult[]> {
    const session = await this.load();
    const maxBatch = Math.max(1, this.manifest.batch);
    const results: RunResult[] = [];
    for (let start = 0; start < images.length;) {
      let size = Math.min(maxBatch, images.length - start);
      while (size > 1 && !graphAcceptsBatch(session.graph, this.manifest.input.name, size)) size--;
      const chunk = images.slice(start, start + size);
      const { data, dims, transforms } = this.prepare(chunk);
      const outputs = await session.run(this.manifest.input.name, data, dims);
      results.push({ outputs, transforms });
      start += size;
    }
    return results;
  }

  async close(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    if (s) await (await s.catch(() => undefined))?.release();
  }
}
