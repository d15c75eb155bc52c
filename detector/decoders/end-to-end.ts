import { ModelError } from '../../common/errors.js';
import { centreSizeToCorners } from '../box-geometry.js';
import { formatDims } from './output-shape.js';
import type {
  BoxXYXY,
  Candidate,
  DecodeContext,
  DetectionDecoder,
  NamedOutputs,
  OutputTensor,
} from '../types.js';

export interface EndToEndDecoderOptions {
  /** Detection rows output; when absent, the first output that is not the count output. */
  outputName?: string;
  /**
   * Output holding the number of valid rows per batch item ([B], [B, 1] or [1]). When absent
   * and the model has exactly two outputs, one of which has at most 2 dims and a single value
   * per batch item, that one is taken as the count; otherwise every row is read.
   */
  countOutputName?: string;
  /** Default 'xyxy'. */
  boxFormat?: 'xyxy' | 'cxcywh';
  /** Boxes in 0..1 of the model input instead of pixels. Default false. */
  normalized?: boolean;
  /** Order of the last two columns. Default 'box-score-class'. */
  layout?: 'box-score-class' | 'box-class-score';
}

const NAME = 'End-to-end decoder';

function valuesPerBatchItem(t: OutputTensor): number {
  const batch = t.dims[0] ?? 0;
  return batch > 0 ? t.dims.reduce((a, b) => a * b, 1) / batch : 0;
}

function looksLikeCount(t: OutputTensor): boolean {
  return t.dims.length >= 1 && t.dims.length <= 2 && valuesPerBatchItem(t) === 1;
}

function resolveNames(
  outputs: NamedOutputs,
  opts: EndToEndDecoderOptions,
): { detName: string; countName: string | undefined } {
  const names = Object.keys(outputs);
  const available = `the model has outputs [${names.join(', ')}]`;
  let countName = opts.countOutputName;
  if (countName !== undefined && outputs[countName] === undefined) {
    throw new ModelError(`${NAME}: count output "${countName}" not found; ${available}`);
  }
  if (countName === undefined && names.length === 2) {
    const guesses = names.filter((n) => n !== opts.outputName && looksLikeCount(outputs[n]!));
    // Two count-shaped outputs mean we cannot tell which is which; reading every row is the
    // safe fallback, and the shape check below reports a detections tensor that is not one.
    if (guesses.length === 1) countName = guesses[0];
  }
  const detName = opts.outputName ?? names.find((n) => n !== countName);
  if (detName === undefined || outputs[detName] === undefined) {
    throw new ModelError(
      `${NAME}: detections output ${detName === undefined ? '(none)' : `"${detName}"`} not found; ${available}`,
    );
  }
  if (detName === countName) {
    throw new ModelError(`${NAME}: output "${detName}" cannot be both the detections and the count output`);
  }
  return { detName, countName };
}

function readCount(t: OutputTensor, name: string, batchIndex: number): number {
  const dims = t.dims;
  const shapeOk = (dims.length === 1 || (dims.length === 2 && dims[1] === 1)) && t.data.length === dims[0];
  if (!shapeOk) {
    throw new ModelError(
      `${NAME}: count output "${name}" has shape ${formatDims(dims)}; expected [B], [B, 1] or [1]`,
    );
  }
  if (batchIndex >= dims[0]!) {
    throw new ModelError(
      `${NAME}: batch index ${batchIndex} is outside count output "${name}" of shape ${formatDims(dims)}`,
    );
  }
  const value = t.data[batchIndex]!;
  if (!Number.isFinite(value)) {
    throw new ModelError(`${NAME}: count output "${name}" holds ${value} for batch item ${batchIndex}`);
  }
  return Math.max(0, Math.round(value));
}

/**
 * Models with NMS inside (YOLOv10, Ultralytics end2end exports, TensorRT-style num_dets):
 * rows of (box, score, class) in [N, 6] or [B, N, 6]. Rows wider than 6 are accepted and
 * the extra columns ignored, so segmentation exports that append mask coefficients decode
 * too. Rows below the score threshold, with non-finite values, or with a class outside
 * [0, numClasses) after rounding are dropped; the rest are already NMS-ed candidates.
 */
export function createEndToEndDecoder(opts: EndToEndDecoderOptions = {}): DetectionDecoder {
  const centreSize = (opts.boxFormat ?? 'xyxy') === 'cxcywh';
  const normalized = opts.normalized ?? false;
  const scoreCol = (opts.layout ?? 'box-score-class') === 'box-score-class' ? 4 : 5;
  const classCol = scoreCol === 4 ? 5 : 4;

  return (outputs: NamedOutputs, ctx: DecodeContext): Candidate[] => {
    const { detName, countName } = resolveNames(outputs, opts);
    const det = outputs[detName]!;
    const dims = det.dims;
    const rank = dims.length;
    if ((rank !== 2 && rank !== 3) || dims[rank - 1]! < 6) {
      throw new ModelError(
        `${NAME}: output "${detName}" has shape ${formatDims(dims)}; expected [N, 6] or [B, N, 6] ` +
          `(x1, y1, x2, y2, score, class rows)`,
      );
    }
    const batch = rank === 3 ? dims[0]! : 1;
    const rows = dims[rank - 2]!;
    const stride = dims[rank - 1]!;
    if (det.data.length !== batch * rows * stride) {
      throw new ModelError(
        `${NAME}: output "${detName}" has shape ${formatDims(dims)} but holds ${det.data.length} values`,
      );
    }
    if (!Number.isInteger(ctx.batchIndex) || ctx.batchIndex < 0 || ctx.batchIndex >= batch) {
      throw new ModelError(
        `${NAME}: batch index ${ctx.batchIndex} is outside output "${detName}" of shape ${formatDims(dims)}`,
      );
    }

    const valid =
      countName === undefined
        ? rows
        : Math.min(rows, readCount(outputs[countName]!, countName, ctx.batchIndex));
    const sx = normalized ? ctx.inputWidth : 1;
    const sy = normalized ? ctx.inputHeight : 1;
    const threshold = ctx.scoreThreshold;
    const nc = ctx.numClasses;
    const data = det.data;
    const base = ctx.batchIndex * rows * stride;
    const kept: Candidate[] = [];

    for (let r = 0; r < valid; r++) {
      const row = base + r * stride;
      const score = data[row + scoreCol]!;
      if (!(score >= threshold) || score === Infinity) continue;
      // Class ids arrive as floats; rounding forgives exporters that add tiny noise.
      const classIndex = Math.round(data[row + classCol]!);
      if (!(classIndex >= 0 && classIndex < nc)) continue;
      const a = data[row]! * sx;
      const b = data[row + 1]! * sy;
      const c = data[row + 2]! * sx;
      const d = data[row + 3]! * sy;
      if (!Number.isFinite(a) || !Number.isFinite(b) || !Number.isFinite(c) || !Number.isFinite(d)) continue;
      const box: BoxXYXY = centreSize ? centreSizeToCorners(a, b, c, d) : [a, b, c, d];
      kept.push({ box, classIndex, score });
    }
    return kept;
  };
}
