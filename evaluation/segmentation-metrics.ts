/** Confusion matrix over pixels of many images; IoU per class = TP / (TP + FP + FN). */
export class SegmentationEvaluator {
  private readonly confusion: Float64Array;

  constructor(readonly labels: readonly string[]) {
    this.confusion = new Float64Array(labels.length * labels.length);
  }

  /** `truth` and `predicted` hold a class index per pixel, same size. */
  addImage(truth: Uint8Array, predicted: Uint8Array): void {
    if (truth.length !== predicted.length) {
      throw new Error(`mask sizes differ: ${truth.length} vs ${predicted.length} pixels`);
    }
    const n = this.labels.length;
    for (let i = 0; i < truth.length; i++) {
      const t = truth[i]!;
      const p = predicted[i]!;
      if (t < n && p < n) this.confusion[t * n + p]! += 1;
    }
  }

  perClass(): { label: string; iou: number; pixels: number }[] {
    const n = this.labels.length;
    return this.labels.map((label, c) => {
      let tp = 0;
      let fp = 0;
      let fn = 0;
      for (let k = 0; k < n; k++) {
        if (k === c) tp = this.confusion[c * n + c]!;
        else {
          fn += this.confusion[c * n + k]!;
          fp += this.confusion[k * n + c]!;
        }
      }
      const denom = tp + fp + fn;
      return { label, iou: denom > 0 ? tp / denom : NaN, pixels: tp + fn };
    });
  }

  pixelAccuracy(): number {
    const n = this.labels.length;
    let correct = 0;
    let total = 0;
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < n; k++) {
        const v = this.confusion[i * n + k]!;
        total += v;
        if (i === k) correct += v;
      }
    }
    return total ? correct / total : NaN;
  }
}
