import { ModelError } from '../../common/errors.js';
import { centreSizeToCorners } from '../box-geometry.js';
import type { Candidate, DecodeContext, DetectionDecoder, NamedOutputs, OutputTensor } from '../types.js';
import { formatDims, pickOutput } from './output-shape.js';

export interface UltralyticsDecoderOptions {
  /** Output to read; the first output of the model when absent. */
  outputName?: string;
}

const V8 = 'YOLOv8 decoder';
const V5 = 'YOLOv5 decoder';

function checkContext(ctx: DecodeContext, decoder: string): void {
  if (!Number.isInteger(ctx.numClasses) || ctx.numClasses < 1) {
    throw new ModelError(`${decoder}: numClasses must be a positive integer, got ${ctx.numClasses}`);
  }
}

/** Batch bounds and buffer size are checked once so the hot loops can index without guards. */
function checkTensor(tensor: OutputTensor, name: string, ctx: DecodeContext, decoder: string): void {
  const dims = tensor.dims;
  const batch = dims[0]!;
  if (!Number.isInteger(ctx.batchIndex) || ctx.batchIndex < 0 || ctx.batchIndex >= batch) {
    throw new ModelError(
      `${decoder}: batch index ${ctx.batchIndex} is outside output "${name}" of shape ${formatDims(dims)}`,
    );
  }
  const expected = dims.reduce((a, b) => a * b, 1);
  if (tensor.data.length !== expected) {
    throw new ModelError(
      `${decoder}: output "${name}" has shape ${formatDims(dims)} (${expected} values) but holds ${tensor.data.length} values`,
    );
  }
}

/**
 * Ultralytics YOLOv8/v11 detection export: one output [B, 4+nc, N] with cx, cy, w, h in
 * model-input pixels followed by sigmoid-ed class scores, no objectness. Some exports
 * transpose it to [B, N, 4+nc]; the layout is inferred from which axis equals 4+nc, the
 * standard channel-major layout winning when both do (N == 4+nc).
 */
export function createYoloV8Decoder(opts: UltralyticsDecoderOptions = {}): DetectionDecoder {
  // Reused between calls: decoding is synchronous, so a call never sees another's scratch,
  // and a video stream would otherwise allocate two N-sized arrays per frame.
  let bestScore = new Float32Array(0);
  let bestClass = new Int32Array(0);

  return (outputs: NamedOutputs, ctx: DecodeContext): Candidate[] => {
    checkContext(ctx, V8);
    const { name, tensor } = pickOutput(outputs, V8, opts.outputName);
    const nc = ctx.numClasses;
    const channels = 4 + nc;
    const dims = tensor.dims;
    if (dims.length !== 3 || (dims[1] !== channels && dims[2] !== channels)) {
      throw new ModelError(
        `${V8}: output "${name}" has shape ${formatDims(dims)}; expected [B, ${channels}, N] ` +
          `(or transposed [B, N, ${channels}]) for 4 box values + ${nc} classes`,
      );
    }
    checkTensor(tensor, name, ctx, V8);

    const channelMajor = dims[1] === channels;
    const anchors = channelMajor ? dims[2]! : dims[1]!;
    const data = tensor.data;
    const base = ctx.batchIndex * channels * anchors;
    const threshold = ctx.scoreThreshold;
    const kept: Candidate[] = [];

    if (channelMajor) {
      // Scanning class rows one after another keeps reads sequential; walking the classes
      // of one anchor would stride by N floats per read and thrash the cache.
      if (bestScore.length < anchors) {
        bestScore = new Float32Array(anchors);
        bestClass = new Int32Array(anchors);
      }
      bestScore.fill(-Infinity, 0, anchors);
      bestClass.fill(0, 0, anchors);
      for (let c = 0; c < nc; c++) {
        const row = base + (4 + c) * anchors;
        for (let n = 0; n < anchors; n++) {
          const s = data[row + n]!;
          if (s > bestScore[n]!) {
            bestScore[n] = s;
            bestClass[n] = c;
          }
        }
      }
      for (let n = 0; n < anchors; n++) {
        const score = bestScore[n]!;
        if (score < threshold) continue;
        const i = base + n;
        kept.push({
          box: centreSizeToCorners(
            data[i]!,
            data[i + anchors]!,
            data[i + 2 * anchors]!,
            data[i + 3 * anchors]!,
          ),
          classIndex: bestClass[n]!,
          score,
        });
      }
      return kept;
    }

    for (let n = 0; n < anchors; n++) {
      const row = base + n * channels;
      let score = -Infinity;
      let cls = 0;
      for (let c = 0; c < nc; c++) {
        const s = data[row + 4 + c]!;
        if (s > score) {
          score = s;
          cls = c;
        }
      }
      if (score < threshold) continue;
      kept.push({
        box: centreSizeToCorners(data[row]!, data[row + 1]!, data[row + 2]!, data[row + 3]!),
        classIndex: cls,
        score,
      });
    }
    return kept;
  };
}

/**
 * YOLOv5 detection export: one output [B, N, 5+nc] of cx, cy, w, h (model-input pixels),
 * objectness, then class scores, all already sigmoid-ed. Score = objectness × best class.
 */
export function createYoloV5Decoder(opts: UltralyticsDecoderOptions = {}): DetectionDecoder {
  return (outputs: NamedOutputs, ctx: DecodeContext): Candidate[] => {
    checkContext(ctx, V5);
    const { name, tensor } = pickOutput(outputs, V5, opts.outputName);
    const nc = ctx.numClasses;
    const channels = 5 + nc;
    const dims = tensor.dims;
    if (dims.length !== 3 || dims[2] !== channels) {
      throw new ModelError(
        `${V5}: output "${name}" has shape ${formatDims(dims)}; expected [B, N, ${channels}] ` +
          `for 4 box values + objectness + ${nc} classes`,
      );
    }
    checkTensor(tensor, name, ctx, V5);

    const anchors = dims[1]!;
    const data = tensor.data;
    const base = ctx.batchIndex * anchors * channels;
    const threshold = ctx.scoreThreshold;
    const kept: Candidate[] = [];
    for (let n = 0; n < anchors; n++) {
      const row = base + n * channels;
      const obj = data[row + 4]!;
      // Class scores are ≤ 1, so obj × cls can only reach the threshold if obj does;
      // most of the ~25k anchors stop here. The negated form also drops NaN.
      if (!(obj >= threshold)) continue;
      let best = -Infinity;
      let cls = 0;
      for (let c = 0; c < nc; c++) {
        const s = data[row + 5 + c]!;
        if (s > best) {
          best = s;
          cls = c;
        }
      }
      const score = obj * best;
      if (!(score >= threshold)) continue;
      kept.push({
        box: centreSizeToCorners(data[row]!, data[row + 1]!, data[row + 2]!, data[row + 3]!),
        classIndex: cls,
        score,
      });
    }
    return kept;
  };
}
