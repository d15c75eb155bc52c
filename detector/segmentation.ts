import { InvalidInputError, ModelError } from '../common/errors.js';
import type { InputTransform } from './input-transform.js';
import { findMaskRegions, type Region, type RegionOptions } from './mask-regions.js';
import type { OutputTensor } from './types.js';
import { formatDims } from './decoders/output-shape.js';

export { polygonArea, type PolygonPoint, type Region, type RegionOptions } from './mask-regions.js';

/** Per-pixel argmax class of a semantic segmentation, at original image size. */
export interface ClassMap {
  width: number;
  height: number;
  numClasses: number;
  /** Row-major, width × height class indices. */
  data: Uint8Array;
}

export interface SegmentationOptions {
  /** Index into a batch output; 0 for single images. */
  batchIndex?: number;
}

/** Argmax over channels at model resolution; class-major passes keep every read sequential. */
function argmaxChannels(data: Float32Array, base: number, channels: number, plane: number): Uint8Array {
  const classes = new Uint8Array(plane);
  const best = new Float32Array(plane).fill(-Infinity);
  for (let c = 0; c < channels; c++) {
    const off = base + c * plane;
    for (let i = 0; i < plane; i++) {
      const v = data[off + i]!;
      if (v > best[i]!) {
        best[i] = v;
        classes[i] = c;
      }
    }
  }
  return classes;
}

/**
 * Source index along one axis for each image pixel: its centre mapped through the resize
 * and padding into model-input pixels, then into the output grid, which may be coarser than
 * the input (e.g. a 1/4-resolution head). Sampling pixel centres keeps the lookup inside the
 * resized content, so the letterbox padding never leaks into the map.
 */
function sourceIndices(
  imageSize: number,
  scale: number,
  pad: number,
  inputSize: number,
  outSize: number,
): Int32Array {
  const idx = new Int32Array(imageSize);
  const toOut = outSize / inputSize;
  for (let p = 0; p < imageSize; p++) {
    const s = Math.floor(((p + 0.5) * scale + pad) * toOut);
    idx[p] = s < 0 ? 0 : s >= outSize ? outSize - 1 : s;
  }
  return idx;
}

/**
 * Turns a semantic segmentation output [B, C, H, W] (logits or probabilities: argmax needs
 * no softmax) into a class map at the original image size, undoing letterbox or stretch.
 */
export function decodeSegmentation(
  output: OutputTensor,
  t: InputTransform,
  opts: SegmentationOptions = {},
): ClassMap {
  const dims = output.dims;
  const batchIndex = opts.batchIndex ?? 0;
  if (dims.length !== 4 || dims[1]! < 2 || dims[1]! > 256 || dims[2]! < 1 || dims[3]! < 1) {
    throw new ModelError(
      `Segmentation decoder: output has shape ${formatDims(dims)}; expected [B, C, H, W] with 2 ≤ C ≤ 256`,
    );
  }
  const [batch, channels, outH, outW] = dims as [number, number, number, number];
  if (output.data.length !== batch * channels * outH * outW) {
    throw new ModelError(
      `Segmentation decoder: output has shape ${formatDims(dims)} but holds ${output.data.length} values`,
    );
  }
  if (!Number.isInteger(batchIndex) || batchIndex < 0 || batchIndex >= batch) {
    throw new ModelError(
      `Segmentation decoder: batch index ${batchIndex} is outside output of shape ${formatDims(dims)}`,
    );
  }
  const width = t.imageWidth;
  const height = t.imageHeight;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new InvalidInputError(
      `Segmentation decoder: image size ${width}×${height} is not a positive integer size`,
    );
  }

  const plane = outH * outW;
  const classes = argmaxChannels(output.data, batchIndex * channels * plane, channels, plane);
  const srcX = sourceIndices(width, t.scaleX, t.padX, t.inputWidth, outW);
  const srcY = sourceIndices(height, t.scaleY, t.padY, t.inputHeight, outH);

  const data = new Uint8Array(width * height);
  let prevRow = -1;
  for (let y = 0; y < height; y++) {
    const dst = y * width;
    const srcRow = srcY[y]! * outW;
    // Upscaling repeats source rows; copying the finished row is far cheaper than re-gathering.
    if (srcRow === prevRow) {
      data.copyWithin(dst, dst - width, dst);
      continue;
    }
    for (let x = 0; x < width; x++) data[dst + x] = classes[srcRow + srcX[x]!]!;
    prevRow = srcRow;
  }
  return { width, height, numClasses: channels, data };
}

/** Pixel count per class, indexed by class. */
export function classAreas(map: ClassMap): number[] {
  // Sized for any byte so a stray value beyond numClasses cannot index out of range.
  const counts = new Float64Array(256);
  const data = map.data;
  for (let i = 0; i < data.length; i++) counts[data[i]!]!++;
  return Array.from(counts.subarray(0, map.numClasses));
}

function checkClass(map: ClassMap, classIndex: number): void {
  if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= map.numClasses) {
    throw new InvalidInputError(`Class index ${classIndex} is outside 0..${map.numClasses - 1}`);
  }
}

/** 1 where the pixel is of the class, 0 elsewhere. */
export function classMask(map: ClassMap, classIndex: number): Uint8Array {
  checkClass(map, classIndex);
  const data = map.data;
  const mask = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) mask[i] = data[i] === classIndex ? 1 : 0;
  return mask;
}

/** 8-connected regions of one class with simplified outer polygons, largest first. */
export function findRegions(map: ClassMap, classIndex: number, opts: RegionOptions = {}): Region[] {
  checkClass(map, classIndex);
  return findMaskRegions(map.data, map.width, map.height, classIndex, opts);
}
