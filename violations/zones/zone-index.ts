import type { Zone } from '../config/source-config.js';
import type { ZoneType } from '../config/source-config-schema.js';
import { pointInPolygon } from '../geometry/polygon.js';

/** Zone membership in normalised image coordinates; config order decides ties between overlaps. */
export class ZoneIndex {
  private readonly masks: readonly Zone[];

  constructor(readonly zones: readonly Zone[]) {
    this.masks = zones.filter((z) => z.type === 'mask');
  }

  isMasked(xn: number, yn: number): boolean {
    return this.masks.some((z) => pointInPolygon(xn, yn, z.polygon));
  }

  /** First zone of one of `types` containing the point. */
  firstAt(xn: number, yn: number, types: readonly ZoneType[]): Zone | null {
    for (const z of this.zones) {
      if (types.includes(z.type) && pointInPolygon(xn, yn, z.polygon)) return z;
    }
    return null;
  }

  anyAt(xn: number, yn: number, types: readonly ZoneType[]): boolean {
    return this.firstAt(xn, yn, types) !== null;
  }

  ofType(type: ZoneType): Zone[] {
    return this.zones.filter((z) => z.type === type);
  }
}
