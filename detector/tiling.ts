import type { RawImage } from '../repositories/media-repository.js';
import { intersectionOverSmaller, iou, unionBox } from './box-geometry.js';
import type { BoxXYXY, Detection } from './types.js';

export interface Tile {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Covers the image with tiles of at most tileWidth × tileHeight, overlapping by at least `overlap`
 * (a fraction of the tile), spread evenly so the last row and column are not slivers.
 */
export function planTiles(
  imageWidth: number,
  imageHeight: number,
  tileWidth: number,
  tileHeight: number,
  overlap: number,
): Tile[] {
  const axis = (length: number, tileSize: number): [number, number][] => {
    if (length <= tileSize) return [[0, length]];
    const minStep = tileSize * (1 - overlap);
    const count = Math.ceil((length - tileSize) / minStep) + 1;
    const step = (length - tileSize) / (count - 1);
    return Array.from({ length: count }, (_, i) => [Math.round(i * step), tileSize] as [number, number]);
  };
  const tiles: Tile[] = [];
  for (const [y, h] of axis(imageHeight, tileHeight)) {
    for (const [x, w] of axis(imageWidth, tileWidth)) tiles.push({ x, y, width: w, height: h });
  }
  return tiles;
}

/** Copies a tile's pixels out of a packed RGB frame (row copies, no per-pixel work). */
export function cropRaw(img: RawImage, t: Tile): RawImage {
  const out = new Uint8Array(t.width * t.height * 3);
  const rowBytes = t.width * 3;
  for (let y = 0; y < t.height; y++) {
    const src = ((t.y + y) * img.width + t.x) * 3;
    out.set(img.data.subarray(src, src + rowBytes), y * rowBytes);
  }
  return { data: out, width: t.width, height: t.height };
}

export interface TileDetections {
  /** The tile, or null for a whole-frame pass. */
  tile: Tile | null;
  /** Detections in tile pixels. */
  detections: Detection[];
}

export interface MergeOptions {
  iouThreshold: number;
  /** Merge a box cut by a tile border into one that mostly contains it. */
  containmentThreshold: number;
  /** Pixels from an inner tile edge within which a box counts as cut. */
  edgeMargin: number;
}

const DEFAULT_MERGE: MergeOptions = { iouThreshold: 0.5, containmentThreshold: 0.6, edgeMargin: 3 };

interface Placed {
  det: Detection;
  cut: boolean;
}

function cutByInnerEdge(
  box: BoxXYXY,
  tile: Tile | null,
  imageW: number,
  imageH: number,
  margin: number,
): boolean {
  if (!tile) return false;
  const inner = (edge: number, imageEdge: number) => edge !== imageEdge;
  return (
    (inner(tile.x, 0) && box[0] <= tile.x + margin) ||
    (inner(tile.y, 0) && box[1] <= tile.y + margin) ||
    (inner(tile.x + tile.width, imageW) && box[2] >= tile.x + tile.width - margin) ||
    (inner(tile.y + tile.height, imageH) && box[3] >= tile.y + tile.height - margin)
  );
}

/**
 * Merges per-tile detections into one list in image pixels. Plain NMS would keep both the whole
 * object (from the tile that holds it) and the stub cut off by a neighbouring tile's border, since
 * their IoU is low; here a cut box is folded into a box of the same label that mostly contains it
 * (intersection over the smaller box), and two cut parts of one object are joined.
 */
export function mergeTileDetections(
  parts: readonly TileDetections[],
  imageWidth: number,
  imageHeight: number,
  opts: Partial<MergeOptions> = {},
): Detection[] {
  const o = { ...DEFAULT_MERGE, ...opts };
  const all: Placed[] = [];
  for (const { tile, detections } of parts) {
    const dx = tile?.x ?? 0;
    const dy = tile?.y ?? 0;
    for (const d of detections) {
      const box: BoxXYXY = [d.box[0] + dx, d.box[1] + dy, d.box[2] + dx, d.box[3] + dy];
      all.push({ det: { ...d, box }, cut: cutByInnerEdge(box, tile, imageWidth, imageHeight, o.edgeMargin) });
    }
  }
  // Uncut boxes first at equal score: a whole object should absorb its stubs, not the reverse.
  all.sort((a, b) => b.det.score - a.det.score || Number(a.cut) - Number(b.cut));
  const kept: Placed[] = [];
  for (const p of all) {
    const key = p.det.canonical ?? p.det.label;
    let absorbed = false;
    for (const k of kept) {
      if ((k.det.canonical ?? k.det.label) !== key) continue;
      const overlap = iou(k.det.box, p.det.box);
      const contained = intersectionOverSmaller(k.det.box, p.det.box);
      const joinCuts = p.cut && k.cut && contained >= o.containmentThreshold / 2;
      if (overlap > o.iouThreshold || ((p.cut || k.cut) && contained >= o.containmentThreshold) || joinCuts) {
        if (p.cut || k.cut) k.det = { ...k.det, box: unionBox(k.det.box, p.det.box) };
        k.cut = k.cut && p.cut;
        absorbed = true;
        break;
      }
    }
    if (!absorbed) kept.push({ det: p.det, cut: p.cut });
  }
  return kept.map((k) => k.det);
}
