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

/** Writes the pad value around the resized content only; the content is overwritten anyway. */
function fillPadding(
  out: Float32Array,
  t: InputTransform,
  values: readonly number[],
  planes: readonly number[],
): void {
  const W = t.inputWidth;
  const top = t.padY * W;
  const bottom = (t.padY + t.resizedHeight) * W;
  const end = W * t.inputHeight;
  const right = t.padX + t.resizedWidth;
  for (let c = 0; c < 3; c++) {
    const v = values[c]!;
    const p = planes[c]!;
    if (top > 0) out.fill(v, p, p + top);
    if (bottom < end) out.fill(v, p + bottom, p + end);
    if (t.padX > 0 || right < W) {
      for (let y = t.padY; y < t.padY + t.resizedHeight; y++) {
        const row = p + y * W;
        if (t.padX > 0) out.fill(v, row, row + t.padX);
        if (right < W) out.fill(v, row + right, row + W);
      }
    }
  }
}

/** Two source taps per output pixel along one axis, weights in 1/128 fixed point. */
interface AxisTaps {
  i0: Int32Array;
  i1: Int32Array;
  w1: Int32Array;
  /** Every weight is ½: the footprint-average taps of a strong shrink. */
  evenSplit: boolean;
}

// 7 bits keep every weighted sum of four bytes below 2^24, so V8 stays in int32 arithmetic.
const FRAC_BITS = 7;
const ONE = 1 << FRAC_BITS;

function axisTaps(srcLen: number, dstLen: number, stride: number): AxisTaps {
  const i0 = new Int32Array(dstLen);
  const i1 = new Int32Array(dstLen);
  const w1 = new Int32Array(dstLen);
  const ratio = srcLen / dstLen;
  const clamp = (v: number) => Math.min(Math.max(v, 0), srcLen - 1);
  for (let d = 0; d < dstLen; d++) {
    if (ratio >= 2) {
      // Strong shrink: two pixels a quarter and three quarters into the output pixel's footprint,
      // averaged. Neighbouring taps (plain bilinear) would alias fine texture into false edges.
      i0[d] = clamp(Math.floor((d + 0.25) * ratio)) * stride;
      i1[d] = clamp(Math.floor((d + 0.75) * ratio)) * stride;
      w1[d] = ONE / 2;
    } else {
      // Pixel-centre aligned bilinear, as cv2.resize(INTER_LINEAR).
      const s = clamp((d + 0.5) * ratio - 0.5);
      const a = Math.floor(s);
      i0[d] = a * stride;
      i1[d] = Math.min(a + 1, srcLen - 1) * stride;
      w1[d] = Math.round((s - a) * ONE);
    }
  }
  return { i0, i1, w1, evenSplit: ratio >= 2 };
}

const tapCache = new Map<string, { xs: AxisTaps; ys: AxisTaps }>();

function tapsFor(srcW: number, srcH: number, dstW: number, dstH: number): { xs: AxisTaps; ys: AxisTaps } {
  const key = `${srcW}x${srcH}>${dstW}x${dstH}`;
  let taps = tapCache.get(key);
  if (!taps) {
    // Frames of one stream share a size; a few entries cover every source a process sees.
    if (tapCache.size > 32) tapCache.clear();
    taps = { xs: axisTaps(srcW, dstW, 3), ys: axisTaps(srcH, dstH, srcW * 3) };
    tapCache.set(key, taps);
  }
  return taps;
}

/**
 * Resample and pack in one pass, reading only 2×2 source taps per output pixel (see axisTaps),
 * so a 1920×1080 frame costs about what a 416×234 one does. Integer weights feed the LUT.
 */
export function resampleAndPack(
  src: RawImage,
  t: InputTransform,
  lut: Float32Array,
  spec: NormalizationSpec,
  out: Float32Array,
  offset = 0,
): void {
  const W = t.inputWidth;
  const plane = W * t.inputHeight;
  const pad = Math.round(spec.padValue);
  const p0 = offset;
  const p1 = offset + plane;
  const p2 = offset + 2 * plane;
  fillPadding(out, t, [lut[pad]!, lut[256 + pad]!, lut[512 + pad]!], [p0, p1, p2]);
  const c0 = spec.channelOrder === 'bgr' ? 2 : 0;
  const c2 = spec.channelOrder === 'bgr' ? 0 : 2;
  const { xs, ys } = tapsFor(src.width, src.height, t.resizedWidth, t.resizedHeight);
  const data = src.data;
  const xi0 = xs.i0;
  const xi1 = xs.i1;
  const xw1 = xs.w1;
  const shift = 2 * FRAC_BITS;
  const half = 1 << (shift - 1);
  const rw = t.resizedWidth;
  if (xs.evenSplit && ys.evenSplit) {
    // Strong shrink on both axes (a 1080p frame into 416 px): the four taps weigh alike, so the
    // weighted sum is a plain sum — half the arithmetic of the general loop below.
    for (let y = 0; y < t.resizedHeight; y++) {
      const r0 = ys.i0[y]!;
      const r1 = ys.i1[y]!;
      let d = (y + t.padY) * W + t.padX;
      for (let x = 0; x < rw; x++, d++) {
        const a = r0 + xi0[x]!;
        const b = r0 + xi1[x]!;
        const c = r1 + xi0[x]!;
        const e = r1 + xi1[x]!;
        out[p0 + d] = lut[(data[a + c0]! + data[b + c0]! + data[c + c0]! + data[e + c0]! + 2) >> 2]!;
        out[p1 + d] = lut[256 + ((data[a + 1]! + data[b + 1]! + data[c + 1]! + data[e + 1]! + 2) >> 2)]!;
        out[p2 + d] = lut[512 + ((data[a + c2]! + data[b + c2]! + data[c + c2]! + data[e + c2]! + 2) >> 2)]!;
      }
    }
    return;
  }
  for (let y = 0; y < t.resizedHeight; y++) {
    const r0 = ys.i0[y]!;
    const r1 = ys.i1[y]!;
    const wy1 = ys.w1[y]!;
    const wy0 = ONE - wy1;
    let d = (y + t.padY) * W + t.padX;
    for (let x = 0; x < rw; x++, d++) {
      const xa = xi0[x]!;
      const xb = xi1[x]!;
      const wx1 = xw1[x]!;
      const wx0 = ONE - wx1;
      const a = r0 + xa;
      const b = r0 + xb;
      const c = r1 + xa;
      const e = r1 + xb;
      const w00 = wy0 * wx0;
      const w01 = wy0 * wx1;
      const w10 = wy1 * wx0;
      const w11 = wy1 * wx1;
      const v0 =
        (data[a + c0]! * w00 + data[b + c0]! * w01 + data[c + c0]! * w10 + data[e + c0]! * w11 + half) >>
        shift;
      const v1 =
        (data[a + 1]! * w00 + data[b + 1]! * w01 + data[c + 1]! * w10 + data[e + 1]! * w11 + half) >> shift;
      const v2 =
        (data[a + c2]! * w00 + data[b + c2]! * w01 + data[c + c2]! * w10 + data[e + c2]! * w11 + half) >>
        shift;
      out[p0 + d] = lut[v0]!;
      out[p1 + d] = lut[256 + v1]!;
      out[p2 + d] = lut[512 + v2]!;
    }
  }
}
