import type { Candidate, DetectionDecoder } from '../types.js';
import { pickOutput, shapeError } from './output-shape.js';

export interface FastestdetOptions {
  outputName?: string;
}

/**
 * FastestDet single grid `[B, 5 + nc, H, W]`: objectness and class scores come out activated;
 * centre offsets (in cells) and width/height (normalised to the input) come out raw, so tanh and
 * sigmoid are applied here. Score = obj^0.6 · cls^0.4 as the model was trained.
 */
export function createFastestdetDecoder(opts: FastestdetOptions = {}): DetectionDecoder {
  return (outputs, ctx) => {
    const { name, tensor } = pickOutput(outputs, 'fastestdet', opts.outputName);
    const dims = tensor.dims;
    const channels = 5 + ctx.numClasses;
    if (dims.length !== 4 || dims[1] !== channels)
      throw shapeError('fastestdet', name, `[B, ${channels}, H, W]`, dims);
    const gh = dims[2]!;
    const gw = dims[3]!;
    const plane = gh * gw;
    const data = tensor.data;
    const base = ctx.batchIndex * channels * plane;
    const out: Candidate[] = [];
    for (let y = 0; y < gh; y++) {
      for (let x = 0; x < gw; x++) {
        const cell = base + y * gw + x;
        const obj = data[cell]!;
        if (!(obj > 0)) continue;
        let best = 0;
        let bestScore = -1;
        for (let c = 0; c < ctx.numClasses; c++) {
          const v = data[cell + (5 + c) * plane]!;
          if (v > bestScore) {
            bestScore = v;
            best = c;
          }
        }
        if (!(bestScore > 0)) continue;
        const score = Math.pow(obj, 0.6) * Math.pow(bestScore, 0.4);
        if (!(score >= ctx.scoreThreshold)) continue;
        const cx = ((x + Math.tanh(data[cell + plane]!)) / gw) * ctx.inputWidth;
        const cy = ((y + Math.tanh(data[cell + 2 * plane]!)) / gh) * ctx.inputHeight;
        const w = sigmoid(data[cell + 3 * plane]!) * ctx.inputWidth;
        const h = sigmoid(data[cell + 4 * plane]!) * ctx.inputHeight;
        out.push({ box: [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], classIndex: best, score });
      }
    }
    return out;
  };
}

function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}
