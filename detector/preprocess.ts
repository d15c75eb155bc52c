import type { RawImage } from '../repositories/media-repository.js';
import type { InputTransform } from './input-transform.js';

export interface NormalizationSpec {
  channelOrder: 'rgb' | 'bgr';
  scale: number;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
  padValue: number;
}

/**
 * Per tensor channel, the float for each 8-bit value: (v·scale − mean) / std. A lookup replaces
 * three arithmetic ops per pixel and channel in the packing loop. mean/std are given in tensor
 * channel order (BGR models list BGR means), as model cards do.
 */
export function buildNormalizationLut(spec: NormalizationSpec): Float32Array {
  const lut = new Float32Array(3 * 256);
  for (let c = 0; c < 3; c++) {
    const mean = spec.mean[c]!;
    const std = spec.std[c]!;
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = (v * spec.scale - mean) / std;
  }
  return lut;
}

/**
 * Writes `resized` (already at t.resizedWidth × t.resizedHeight) into an NCHW float tensor at
 * `offset` (one batch item), with padding around it. No allocation per pixel.
 */
export function packTensor(
  resized: RawImage,
  t: InputTransform,
  lut: Float32Array,
  spec: NormalizationSpec,
  out: Float32Array,
  offset = 0,
): void {
  const W = t.inputWidth;
  const H = t.inputHeight;
  const plane = W * H;
  if (resized.width !== t.resizedWidth || resized.height !== t.resizedHeight) {
    throw new Error(`packTensor: image is ${resized.width}x${resized.height}, expected ${t.resizedWidth}x${t.resizedHeight}`);
  }
  const pad = Math.round(spec.padValue);
  const needsPad = t.resizedWidth !== W || t.resizedHeight !== H;
  // Tensor channel k reads source RGB channel src[k]: BGR models read B first.
  const src0 = spec.channelOrder === 'bgr' ? 2 : 0;
  const src2 = spec.channelOrder === 'bgr' ? 0 : 2;
  const p0 = offset;
  const p1 = offset + plane;
  const p2 = offset + 2 * plane;
  if (needsPad) {
    out.fill(lut[pad]!, p0, p0 + plane);
    out.fill(lut[256 + pad]!, p1, p1 + plane);
    out.fill(lut[512 + pad]!, p2, p2 + plane);
  }
  const data = resized.data;
  const rw = t.resizedWidth;
  for (let y = 0; y < t.resizedHeight; y++) {
    let s = y * rw * 3;
    let d = (y + t.padY) * W + t.padX;
    const end = d + rw;
    for (; d < end; d++, s += 3) {
      out[p0 + d] = lut[data[s + src0]!]!;
      out[p1 + d] = lut[256 + data[s + 1]!]!;
      out[p2 + d] = lut[512 + data[s + src2]!]!;
    }
  }
}
