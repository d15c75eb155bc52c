import type { ClassMap } from '../../../detector/segmentation.js';
import type { Region } from '../../../detector/mask-regions.js';
import { forEachPolygonSpan } from '../../geometry/polygon-spans.js';
import type { Vec2 } from '../../geometry/polygon.js';

/** 1 where the ground is bare soil and not masked out, at the segmentation's own size. */
export interface BareSoilMask {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Larger than any drone frame; a bigger map is a caller bug, not a photo. */
const MAX_PIXELS = 64 * 1024 * 1024;

export function isUsableClassMap(map: ClassMap | undefined): map is ClassMap {
  return (
    !!map &&
    Number.isInteger(map.width) &&
    Number.isInteger(map.height) &&
    map.width > 0 &&
    map.height > 0 &&
    map.width * map.height <= MAX_PIXELS &&
    map.data instanceof Uint8Array &&
    map.data.length === map.width * map.height
  );
}

export function maskFromClassMap(
  map: ClassMap,
  bareClasses: ReadonlySet<number>,
  masked: Uint8Array | null,
): BareSoilMask {
  const isBare = new Uint8Array(256);
  for (const c of bareClasses) if (c >= 0 && c < 256) isBare[c] = 1;
  const src = map.data;
  const data = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) data[i] = isBare[src[i]!]! & (masked ? masked[i]! ^ 1 : 1);
  return { width: map.width, height: map.height, data };
}

function usablePolygon(r: Region): boolean {
  return (
    Array.isArray(r?.polygon) &&
    r.polygon.length >= 3 &&
    r.polygon.every((p) => Number.isFinite(p?.[0]) && Number.isFinite(p?.[1]))
  );
}

/** Rasterises caller-supplied bare-soil regions (frame pixels) so both inputs share one path. */
export function maskFromRegions(
  regions: readonly Region[],
  width: number,
  height: number,
  masked: Uint8Array | null,
): BareSoilMask | null {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width * height > MAX_PIXELS) return null;
  const data = new Uint8Array(width * height);
  for (const r of regions) {
    if (!usablePolygon(r)) continue;
    forEachPolygonSpan(r.polygon as Vec2[], width, height, (row, x0, x1) =>
      data.fill(1, row * width + x0, row * width + x1),
    );
  }
  if (masked) for (let i = 0; i < data.length; i++) data[i] = data[i]! & (masked[i]! ^ 1);
  return { width, height, data };
}
