import type { Zone } from '../../config/source-config.js';
import { forEachPolygonSpan } from '../../geometry/polygon-spans.js';
import type { Vec2 } from '../../geometry/polygon.js';

/** Pixel spans of zones at a given image size, cached because the size rarely changes. */
export class ZoneRaster {
  private readonly spanCache = new Map<string, Int32Array>();
  private readonly maskCache = new Map<string, Uint8Array | null>();

  constructor(private readonly zones: readonly Zone[]) {}

  /** Flat [row, x0, x1exclusive, ...] for a zone at width × height. */
  spans(zone: Zone, width: number, height: number): Int32Array {
    const key = `${zone.id}@${width}x${height}`;
    let s = this.spanCache.get(key);
    if (!s) {
      const flat: number[] = [];
      const poly: Vec2[] = zone.polygon.map(([x, y]) => [x * width, y * height]);
      forEachPolygonSpan(poly, width, height, (row, x0, x1) => flat.push(row, x0, x1));
      s = Int32Array.from(flat);
      this.spanCache.set(key, s);
    }
    return s;
  }

  /** 1 inside any mask zone, or null when there are none. */
  maskBitmap(width: number, height: number): Uint8Array | null {
    const key = `${width}x${height}`;
    if (this.maskCache.has(key)) return this.maskCache.get(key)!;
    const masks = this.zones.filter((z) => z.type === 'mask');
    let bitmap: Uint8Array | null = null;
    if (masks.length > 0) {
      bitmap = new Uint8Array(width * height);
      for (const z of masks) {
        const s = this.spans(z, width, height);
        for (let i = 0; i < s.length; i += 3)
          bitmap.fill(1, s[i]! * width + s[i + 1]!, s[i]! * width + s[i + 2]!);
      }
    }
    this.maskCache.set(key, bitmap);
    return bitmap;
  }
}
