/**
 * A small colour signature of a detection for the tracker's appearance check: the mean RGB of a
 * grid of cells over the box. A few pixels per cell are enough, so cost stays at a few hundred
 * reads per box whatever its size.
 */
import type { BoxXYXY } from '../detector/types.js';
import type { RawImage } from '../repositories/media-repository.js';

export const APPEARANCE_GRID = 4;
/** Samples per cell side; 3×3 per cell. */
const SAMPLES = 3;

/** `grid × grid × 3` mean colours, row-major; zeros for a box entirely outside the image. */
export function boxAppearance(img: RawImage, box: BoxXYXY, grid = APPEARANCE_GRID): number[] {
  const out = new Array<number>(grid * grid * 3).fill(0);
  const { width: w, height: h, data } = img;
  const x0 = Math.max(0, Math.min(w, box[0]));
  const y0 = Math.max(0, Math.min(h, box[1]));
  const x1 = Math.max(0, Math.min(w, box[2]));
  const y1 = Math.max(0, Math.min(h, box[3]));
  if (!(x1 > x0 && y1 > y0)) return out;
  const cw = (x1 - x0) / grid;
  const ch = (y1 - y0) / grid;
  for (let gy = 0; gy < grid; gy++) {
    for (let gx = 0; gx < grid; gx++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let sy = 0; sy < SAMPLES; sy++) {
        const y = Math.min(h - 1, Math.floor(y0 + ch * (gy + (sy + 0.5) / SAMPLES)));
        for (let sx = 0; sx < SAMPLES; sx++) {
          const x = Math.min(w - 1, Math.floor(x0 + cw * (gx + (sx + 0.5) / SAMPLES)));
          const p = (y * w + x) * 3;
          r += data[p]!;
          g += data[p + 1]!;
          b += data[p + 2]!;
        }
      }
      const n = SAMPLES * SAMPLES;
      const o = (gy * grid + gx) * 3;
      out[o] = r / n;
      out[o + 1] = g / n;
      out[o + 2] = b / n;
    }
  }
  return out;
}
