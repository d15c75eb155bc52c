import type { Candidate, DetectionDecoder } from '../types.js';
import { pickOutput, shapeError } from './output-shape.js';

export interface YoloxOptions {
  outputName?: string;
  strides?: readonly number[];
}

interface AnchorGrid {
  gx: Float32Array;
  gy: Float32Array;
  stride: Float32Array;
}

/** Anchor-cell offsets in the order the YOLOX head flattens them: stride by stride, row-major. */
function buildGrid(width: number, height: number, strides: readonly number[]): AnchorGrid {
  let n = 0;
  for (const s of strides) n += Math.floor(width / s) * Math.floor(height / s);
  const gx = new Float32Array(n);
  const gy = new Float32Array(n);
  const stride = new Float32Array(n);
  let i = 0;
  for (const s of strides) {
    const w = Math.floor(width / s);
    const h = Math.floor(height / s);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++, i++) {
        gx[i] = x;
        gy[i] = y;
        stride[i] = s;
      }
    }
  }
  return { gx, gy, stride };
}

/**
 * YOLOX raw head `[B, N, 5 + nc]`: (x, y, log w, log h, objectness, classes), objectness and
 * classes already sigmoid-ed; score = obj × best class.
 */
export function createYoloxDecoder(opts: YoloxOptions = {}): DetectionDecoder {
  const strides = opts.strides ?? [8, 16, 32];
  let cached: { key: string; grid: AnchorGrid } | undefined;
  return (outputs, ctx) => {
    const { name, tensor } = pickOutput(outputs, 'yolox', opts.outputName);
    const rowLen = 5 + ctx.numClasses;
    const key = `${ctx.inputWidth}x${ctx.inputHeight}`;
    if (cached?.key !== key) cached = { key, grid: buildGrid(ctx.inputWidth, ctx.inputHeight, strides) };
    const { gx, gy, stride } = cached.grid;
    const n = gx.length;
    const dims = tensor.dims;
    if (dims.length !== 3 || dims[1] !== n || dims[2] !== rowLen) {
      throw shapeError(
        'yolox',
        name,
        `[B, ${n}, ${rowLen}] for a ${key} input with strides ${strides.join('/')}`,
        dims,
      );
    }
    const data = tensor.data;
    const base = ctx.batchIndex * n * rowLen;
    const out: Candidate[] = [];
    for (let i = 0; i < n; i++) {
      const r = base + i * rowLen;
      const obj = data[r + 4]!;
      if (obj < ctx.scoreThreshold) continue;
      let best = 0;
      let bestScore = -1;
      for (let c = 0; c < ctx.numClasses; c++) {
        const v = data[r + 5 + c]!;
        if (v > bestScore) {
          bestScore = v;
          best = c;
        }
      }
      const score = obj * bestScore;
      if (!(score >= ctx.scoreThreshold)) continue;
      const s = stride[i]!;
      const cx = (data[r]! + gx[i]!) * s;
      const cy = (data[r + 1]! + gy[i]!) * s;
      const w = Math.exp(data[r + 2]!) * s;
      const h = Math.exp(data[r + 3]!) * s;
      out.push({ box: [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], classIndex: best, score });
    }
    return out;
  };
}
