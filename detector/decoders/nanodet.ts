import { ModelError } from '../../common/errors.js';
import type { Candidate, DetectionDecoder } from '../types.js';
import { shapeError } from './output-shape.js';

export interface NanodetOptions {
  strides?: readonly number[];
  /** Bins per side minus one (NanoDet-m: 7, so 8 bins). */
  regMax?: number;
}

/**
 * NanoDet (GFL head): per stride a class map `cls_pred_stride_S [B, HW, nc]` (sigmoid-ed) and a
 * distance map `dis_pred_stride_S [B, HW, 4·(regMax+1)]`. Each side's distance is the
 * expectation of a softmax over its bins, times the stride, measured from the cell centre
 * ((gx + 0.5)·s, (gy + 0.5)·s). With the corner (gx·s) instead, boxes on the reference photos
 * sit half a cell up-left of YOLOX's for the same cars (IoU 0.72 → 0.95 on the large car).
 */
export function createNanodetDecoder(opts: NanodetOptions = {}): DetectionDecoder {
  const strides = opts.strides ?? [8, 16, 32];
  const bins = (opts.regMax ?? 7) + 1;
  const probs = new Float64Array(bins);
  return (outputs, ctx) => {
    const out: Candidate[] = [];
    const nc = ctx.numClasses;
    for (const s of strides) {
      const clsName = `cls_pred_stride_${s}`;
      const disName = `dis_pred_stride_${s}`;
      const cls = outputs[clsName];
      const dis = outputs[disName];
      if (!cls || !dis) {
        throw new ModelError(
          `nanodet decoder: expected outputs ${clsName} and ${disName}, model has ${Object.keys(outputs).join(', ')}`,
        );
      }
      const gw = Math.ceil(ctx.inputWidth / s);
      const gh = Math.ceil(ctx.inputHeight / s);
      const hw = gw * gh;
      if (cls.dims.length !== 3 || cls.dims[1] !== hw || cls.dims[2] !== nc) {
        throw shapeError('nanodet', clsName, `[B, ${hw}, ${nc}]`, cls.dims);
      }
      if (dis.dims.length !== 3 || dis.dims[1] !== hw || dis.dims[2] !== 4 * bins) {
        throw shapeError('nanodet', disName, `[B, ${hw}, ${4 * bins}]`, dis.dims);
      }
      const cdata = cls.data;
      const ddata = dis.data;
      const cbase = ctx.batchIndex * hw * nc;
      const dbase = ctx.batchIndex * hw * 4 * bins;
      for (let i = 0; i < hw; i++) {
        const r = cbase + i * nc;
        let best = 0;
        let bestScore = -1;
        for (let c = 0; c < nc; c++) {
          const v = cdata[r + c]!;
          if (v > bestScore) {
            bestScore = v;
            best = c;
          }
        }
        if (!(bestScore >= ctx.scoreThreshold)) continue;
        const px = ((i % gw) + 0.5) * s;
        const py = (Math.floor(i / gw) + 0.5) * s;
        const d = dbase + i * 4 * bins;
        const left = expectation(ddata, d, bins, probs) * s;
        const top = expectation(ddata, d + bins, bins, probs) * s;
        const right = expectation(ddata, d + 2 * bins, bins, probs) * s;
        const bottom = expectation(ddata, d + 3 * bins, bins, probs) * s;
        out.push({ box: [px - left, py - top, px + right, py + bottom], classIndex: best, score: bestScore });
      }
    }
    return out;
  };
}

/** Softmax expectation over `bins` logits starting at `at`. */
function expectation(data: Float32Array, at: number, bins: number, scratch: Float64Array): number {
  let max = -Infinity;
  for (let k = 0; k < bins; k++) max = Math.max(max, data[at + k]!);
  let sum = 0;
  for (let k = 0; k < bins; k++) {
    const e = Math.exp(data[at + k]! - max);
    scratch[k] = e;
    sum += e;
  }
  let acc = 0;
  for (let k = 0; k < bins; k++) acc += scratch[k]! * k;
  return acc / sum;
}
