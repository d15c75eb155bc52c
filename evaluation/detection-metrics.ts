import { iou } from '../detector/box-geometry.js';
import type { BoxXYXY } from '../detector/types.js';

export interface LabelledBox {
  label: string;
  box: BoxXYXY;
}

export interface ScoredBox extends LabelledBox {
  score: number;
}

export interface ClassAp {
  label: string;
  ap: number;
  groundTruth: number;
  predictions: number;
  /** Recall and precision at the best-F1 operating point, for tuning thresholds. */
  bestF1: { f1: number; precision: number; recall: number; score: number };
}

/**
 * Accumulates images and computes VOC-style AP at one IoU threshold per class: predictions
 * sorted by score, each matched greedily to the best unmatched ground truth of its class in the
 * same image, AP = area under the all-point interpolated precision–recall curve.
 */
export class DetectionEvaluator {
  private readonly gtCount = new Map<string, number>();
  private readonly preds = new Map<string, { score: number; tp: boolean }[]>();

  constructor(
    readonly labels: readonly string[],
    readonly iouThreshold = 0.5,
  ) {
    for (const l of labels) {
      this.gtCount.set(l, 0);
      this.preds.set(l, []);
    }
  }

  /**
   * `ignored` holds objects present but too occluded or small to label: a prediction on one of
   * them is neither a hit nor a false positive, so it is dropped (VOC's "difficult" rule).
   */
  addImage(
    groundTruth: readonly LabelledBox[],
    predictions: readonly ScoredBox[],
    ignored: readonly LabelledBox[] = [],
  ): void {
    for (const label of this.labels) {
      const gts = groundTruth.filter((g) => g.label === label);
      const skip = ignored.filter((g) => g.label === label);
      this.gtCount.set(label, this.gtCount.get(label)! + gts.length);
      const matched = new Array<boolean>(gts.length).fill(false);
      const ps = predictions.filter((p) => p.label === label).sort((a, b) => b.score - a.score);
      const out = this.preds.get(label)!;
      for (const p of ps) {
        let best = -1;
        let bestIou = this.iouThreshold;
        gts.forEach((g, i) => {
          if (matched[i]) return;
          const v = iou(g.box, p.box);
          if (v >= bestIou) {
            bestIou = v;
            best = i;
          }
        });
        if (best >= 0) matched[best] = true;
        else if (skip.some((g) => iou(g.box, p.box) >= this.iouThreshold)) continue;
        out.push({ score: p.score, tp: best >= 0 });
      }
    }
  }

  perClass(): ClassAp[] {
    return this.labels.map((label) => {
      const n = this.gtCount.get(label)!;
      const ps = [...this.preds.get(label)!].sort((a, b) => b.score - a.score);
      const recall: number[] = [];
      const precision: number[] = [];
      let tp = 0;
      let best = { f1: 0, precision: 0, recall: 0, score: 1 };
      ps.forEach((p, i) => {
        if (p.tp) tp++;
        const r = n > 0 ? tp / n : 0;
        const pr = tp / (i + 1);
        recall.push(r);
        precision.push(pr);
        const f1 = r + pr > 0 ? (2 * r * pr) / (r + pr) : 0;
        if (f1 > best.f1) best = { f1, precision: pr, recall: r, score: p.score };
      });
      return {
        label,
        ap: n > 0 ? averagePrecision(recall, precision) : NaN,
        groundTruth: n,
        predictions: ps.length,
        bestF1: best,
      };
    });
  }

  /** Mean AP over classes that have ground truth. */
  map(): number {
    const aps = this.perClass()
      .map((c) => c.ap)
      .filter((v) => !Number.isNaN(v));
    return aps.length ? aps.reduce((a, b) => a + b, 0) / aps.length : NaN;
  }
}

/** All-point interpolation: precision made monotone from the right, summed over recall steps. */
export function averagePrecision(recall: readonly number[], precision: readonly number[]): number {
  const r = [0, ...recall, 1];
  const p = [0, ...precision, 0];
  for (let i = p.length - 2; i >= 0; i--) p[i] = Math.max(p[i]!, p[i + 1]!);
  let ap = 0;
  for (let i = 1; i < r.length; i++) ap += (r[i]! - r[i - 1]!) * p[i]!;
  return ap;
}
