/** The clean crop: the object's box grown by a margin of context, clamped to the frame. */
import type { BoxXYXY } from '../detector/types.js';
import type { RawImage } from '../repositories/media-repository.js';

export interface PixelRect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Integer pixel rectangle around `box` with `marginFraction` of the box size added on each side
 * (at least `minMarginPx`), inside a width × height frame; undefined when the box misses the frame.
 */
export function cropRect(
  box: BoxXYXY,
  width: number,
  height: number,
  marginFraction = 0.2,
  minMarginPx = 8,
): PixelRect | undefined {
  const [x1, y1, x2, y2] = box;
  if (![x1, y1, x2, y2].every(Number.isFinite) || !(x2 > x1) || !(y2 > y1)) return undefined;
  const mx = Math.max(minMarginPx, (x2 - x1) * marginFraction);
  const my = Math.max(minMarginPx, (y2 - y1) * marginFraction);
  const left = Math.max(0, Math.floor(x1 - mx));
  const top = Math.max(0, Math.floor(y1 - my));
  const right = Math.min(width, Math.ceil(x2 + mx));
  const bottom = Math.min(height, Math.ceil(y2 + my));
  if (right - left < 1 || bottom - top < 1) return undefined;
  return { left, top, width: right - left, height: bottom - top };
}

/** Copies a rectangle of packed RGB rows. */
export function cropRaw(img: RawImage, r: PixelRect): RawImage {
  const data = new Uint8Array(r.width * r.height * 3);
  const rowBytes = r.width * 3;
  for (let y = 0; y < r.height; y++) {
    const from = ((r.top + y) * img.width + r.left) * 3;
    data.set(img.data.subarray(from, from + rowBytes), y * rowBytes);
  }
  return { data, width: r.width, height: r.height };
}
