/**
 * Decides per frame of a fixed camera whether the detector needs to look: a cheap change score
 * on a small grey grid of the frame (64 cells across) against the last analysed frame. Global
 * tone changes (auto exposure, lighting flashes, dusk) are removed first by mapping the frame's
 * grey levels onto the reference's by rank, which undoes any brightness/contrast step exactly
 * and any monotonic tone curve up to the mixing of light and dark inside a cell. A change that
 * still covers most of the frame (day/night switch, camera shake) is global, not motion.
 * Analysis is forced at least every N seconds of timestamps, because a parked car is static.
 */
import { InvalidInputError } from '../common/errors.js';
import type { RawImage } from '../repositories/media-repository.js';

export interface MotionGateOptions {
  /** Analyse at least this often, in seconds of frame timestamps, however static the scene. */
  forceEveryS?: number;
  /** Cells across the grid; rows follow the frame's aspect ratio. */
  gridWidth?: number;
  /** Grey levels (0–255, after tone matching) a cell must change by to count as changed. */
  cellThreshold?: number;
  /** Changed cells needed to call it motion. */
  minChangedCells?: number;
  /** Share of changed cells from which the change is global (lighting, day/night, shake). */
  globalChangeFraction?: number;
}

export type GateReason = 'first' | 'motion' | 'forced' | 'static' | 'global-change';

export interface GateDecision {
  analyse: boolean;
  reason: GateReason;
  changedCells: number;
  /** Changed cells over all cells, 0–1. */
  changedFraction: number;
}

export interface GreyGrid {
  width: number;
  height: number;
  /** Mean luma per cell, row-major. */
  cells: Float32Array;
}

const DEFAULTS: Required<MotionGateOptions> = {
  forceEveryS: 10,
  gridWidth: 64,
  cellThreshold: 12,
  minChangedCells: 4,
  globalChangeFraction: 0.5,
};

/**
 * Mean luma per cell. Pixels are sampled on a stride giving about 4×4 samples per cell: more
 * would only average away noise that the threshold already tolerates.
 */
export function greyGrid(img: RawImage, gridWidth: number): GreyGrid {
  const { width: w, height: h, data } = img;
  const gw = Math.max(1, Math.min(gridWidth, w));
  const gh = Math.max(1, Math.min(h, Math.round((gw * h) / w)));
  const step = Math.max(1, Math.floor(Math.min(w / gw, h / gh) / 4));
  const sums = new Float64Array(gw * gh);
  const counts = new Uint32Array(gw * gh);
  const colCell = new Int32Array(w);
  for (let x = 0; x < w; x++) colCell[x] = Math.min(gw - 1, Math.floor((x * gw) / w));
  for (let y = 0; y < h; y += step) {
    const row = Math.min(gh - 1, Math.floor((y * gh) / h)) * gw;
    let p = y * w * 3;
    for (let x = 0; x < w; x += step, p += 3 * step) {
      const cell = row + colCell[x]!;
      sums[cell]! += 0.299 * data[p]! + 0.587 * data[p + 1]! + 0.114 * data[p + 2]!;
      counts[cell]!++;
    }
  }
  const cells = new Float32Array(gw * gh);
  for (let i = 0; i < cells.length; i++) cells[i] = counts[i]! ? sums[i]! / counts[i]! : 0;
  return { width: gw, height: gh, cells };
}

function sortedIndices(values: Float32Array): Uint32Array {
  const idx = new Uint32Array(values.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  return idx.sort((a, b) => values[a]! - values[b]!);
}

/**
 * Cells whose tone-matched value differs from the reference by more than `threshold`.
 * The k-th darkest cell of `cur` takes the value of the k-th darkest reference cell (cells with
 * equal values share the mean of their ranks' values), so any monotonic global tone curve maps
 * back exactly and only local change remains.
 */
export function countChangedCells(
  ref: Float32Array,
  refSorted: Float32Array,
  cur: Float32Array,
  threshold: number,
): number {
  const order = sortedIndices(cur);
  let changed = 0;
  let k = 0;
  while (k < order.length) {
    const v = cur[order[k]!]!;
    let end = k + 1;
    while (end < order.length && cur[order[end]!] === v) end++;
    let mapped = 0;
    for (let j = k; j < end; j++) mapped += refSorted[j]!;
    mapped /= end - k;
    for (let j = k; j < end; j++) {
      const i = order[j]!;
      if (Math.abs(mapped - ref[i]!) > threshold) changed++;
    }
    k = end;
  }
  return changed;
}

export class MotionGate {
  private readonly o: Required<MotionGateOptions>;
  private ref: GreyGrid | undefined;
  private refSorted: Float32Array | undefined;
  private lastAnalysedS = -Infinity;

  constructor(opts: MotionGateOptions = {}) {
    this.o = { ...DEFAULTS, ...opts };
    const { forceEveryS, gridWidth, cellThreshold, minChangedCells, globalChangeFraction } = this.o;
    if (!(forceEveryS > 0)) throw new InvalidInputError('forceEveryS must be > 0');
    if (!(Number.isInteger(gridWidth) && gridWidth >= 4))
      throw new InvalidInputError('gridWidth must be an integer ≥ 4');
    if (!(cellThreshold > 0)) throw new InvalidInputError('cellThreshold must be > 0');
    if (!(Number.isInteger(minChangedCells) && minChangedCells >= 1)) {
      throw new InvalidInputError('minChangedCells must be a positive integer');
    }
    if (!(globalChangeFraction > 0 && globalChangeFraction <= 1)) {
      throw new InvalidInputError('globalChangeFraction must be in (0, 1]');
    }
  }

  /** Forget the reference: the next frame is analysed as a first frame (after a reconnect, say). */
  reset(): void {
    this.ref = undefined;
    this.refSorted = undefined;
    this.lastAnalysedS = -Infinity;
  }

  decide(frame: { image: RawImage; ptsS: number }): GateDecision {
    const grid = greyGrid(frame.image, this.o.gridWidth);
    const ref = this.ref;
    if (!ref || !this.refSorted || ref.width !== grid.width || ref.height !== grid.height) {
      this.analysed(grid, frame.ptsS);
      return { analyse: true, reason: 'first', changedCells: 0, changedFraction: 0 };
    }
    const changedCells = countChangedCells(ref.cells, this.refSorted, grid.cells, this.o.cellThreshold);
    const changedFraction = changedCells / grid.cells.length;
    // A clock going backwards (a new stream) also makes analysis due.
    const due = frame.ptsS - this.lastAnalysedS >= this.o.forceEveryS || frame.ptsS < this.lastAnalysedS;
    const decision = (analyse: boolean, reason: GateReason): GateDecision => ({
      analyse,
      reason,
      changedCells,
      changedFraction,
    });
    if (changedFraction >= this.o.globalChangeFraction) {
      // The new look becomes the reference, so the frames after a switch compare like with like.
      this.setReference(grid);
      if (due) this.lastAnalysedS = frame.ptsS;
      return decision(due, due ? 'forced' : 'global-change');
    }
    if (changedCells >= this.o.minChangedCells) {
      this.analysed(grid, frame.ptsS);
      return decision(true, 'motion');
    }
    if (due) {
      this.analysed(grid, frame.ptsS);
      return decision(true, 'forced');
    }
    return decision(false, 'static');
  }

  private analysed(grid: GreyGrid, ptsS: number): void {
    this.setReference(grid);
    this.lastAnalysedS = ptsS;
  }

  private setReference(grid: GreyGrid): void {
    this.ref = grid;
    this.refSorted = Float32Array.from(grid.cells).sort();
  }
}
