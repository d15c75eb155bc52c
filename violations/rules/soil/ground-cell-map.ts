import { findMaskRegions } from '../../../detector/mask-regions.js';
import { forEachPolygonSpan } from '../../geometry/polygon-spans.js';
import { convexHull, type Vec2 } from '../../geometry/polygon.js';

const TILE_BITS = 6;
const TILE = 1 << TILE_BITS;
const TILE_MASK = TILE - 1;
/** Tile coordinates fit ±2^20 tiles: thousands of km at any cell size. */
const TILE_OFFSET = 2 ** 20;
const TILE_SPAN = 2 ** 21;
const MAX_HITS = 65_535;
/** A projected patch this big (a pose near the horizon) is a projection artefact, not soil. */
const MAX_POLYGON_CELLS = 4_000_000;
const MAX_OUTLINE_CELLS = 16_000_000;

/**
 * Per-tile arrays instead of one map of cells: look-ups stay array indexing, and the frame and
 * visit stamps make "seen this frame" and "already visited" free of per-call sets.
 */
interface Tile {
  hits: Uint16Array;
  frameStamp: Uint32Array;
  visitStamp: Uint32Array;
  cluster: Int32Array;
}

function newTile(): Tile {
  const n = TILE * TILE;
  return {
    hits: new Uint16Array(n),
    frameStamp: new Uint32Array(n),
    visitStamp: new Uint32Array(n),
    cluster: new Int32Array(n),
  };
}

/** Cells of one cluster as flat [ix, iy, ...], plus how many of them this frame saw. */
export interface CellCluster {
  id: number;
  cells: number[];
  seenThisFrame: number;
}

export interface ClusterShape {
  areaM2: number;
  /** East/north metres from the map origin. */
  centroid: Vec2;
  outline: Vec2[];
  meanHits: number;
}

export interface GroundCellMapSnapshot {
  cellSizeM: number;
  /** Flat [ix, iy, hits, ...] for every cell seen bare at least once. */
  cells: number[];
}

/**
 * Union of bare-soil patches on a ground grid (east/north metres from a fixed origin). Each cell
 * counts the frames that saw it bare, so a patch seen in hundreds of frames is one set of cells,
 * and a one-frame flicker never reaches the confirmation count.
 */
export class GroundCellMap {
  private tiles = new Map<number, Tile>();
  private frameNo = 0;
  private visitNo = 0;
  private clusterNo = 0;
  private frameCells: number[] = [];

  constructor(readonly cellSizeM: number) {}

  private tileAt(ix: number, iy: number, create: boolean): Tile | undefined {
    const key = ((ix >> TILE_BITS) + TILE_OFFSET) * TILE_SPAN + ((iy >> TILE_BITS) + TILE_OFFSET);
    let t = this.tiles.get(key);
    if (!t && create) {
      t = newTile();
      this.tiles.set(key, t);
    }
    return t;
  }

  hitsAt(ix: number, iy: number): number {
    return this.tileAt(ix, iy, false)?.hits[((iy & TILE_MASK) << TILE_BITS) | (ix & TILE_MASK)] ?? 0;
  }

  /** Starts a frame: each cell counts at most once per frame, however many patches cover it. */
  beginFrame(): void {
    this.frameNo++;
    this.frameCells = [];
  }

  /** Cells first seen in the current frame, flat [ix, iy, ...]. */
  cellsThisFrame(): readonly number[] {
    return this.frameCells;
  }

  /**
   * Counts the cells whose centres lie in the polygon (metres) for this frame and returns them
   * flat [ix, iy, ...], or null when the polygon is implausibly large.
   */
  addPolygon(polygon: readonly Vec2[]): number[] | null {
    const c = this.cellSizeM;
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (const [e, n] of polygon) {
      minX = Math.min(minX, e / c);
      maxX = Math.max(maxX, e / c);
      minY = Math.min(minY, n / c);
      maxY = Math.max(maxY, n / c);
    }
    const ix0 = Math.floor(minX);
    const iy0 = Math.floor(minY);
    const w = Math.ceil(maxX) - ix0;
    const h = Math.ceil(maxY) - iy0;
    const limit = TILE_OFFSET * TILE;
    if (!(w > 0 && h > 0) || w * h > MAX_POLYGON_CELLS || Math.abs(ix0) > limit || Math.abs(iy0) > limit)
      return null;
    const local: Vec2[] = polygon.map(([e, n]) => [e / c - ix0, n / c - iy0]);
    const cells: number[] = [];
    forEachPolygonSpan(local, w, h, (row, x0, x1) => {
      const iy = iy0 + row;
      for (let x = x0; x < x1; x++) {
        const ix = ix0 + x;
        cells.push(ix, iy);
        const tile = this.tileAt(ix, iy, true)!;
        const i = ((iy & TILE_MASK) << TILE_BITS) | (ix & TILE_MASK);
        if (tile.frameStamp[i] === this.frameNo) continue;
        tile.frameStamp[i] = this.frameNo;
        if (tile.hits[i]! < MAX_HITS) tile.hits[i]!++;
        this.frameCells.push(ix, iy);
      }
    });
    return cells;
  }

  /** Cluster id of a cell from the latest {@link clusters} call, or 0. */
  clusterAt(ix: number, iy: number): number {
    return this.tileAt(ix, iy, false)?.cluster[((iy & TILE_MASK) << TILE_BITS) | (ix & TILE_MASK)] ?? 0;
  }

  /**
   * Connected groups of confirmed cells reachable from this frame's cells, where cells within
   * `gapCells` of each other connect, so patches split by a thin strip merge into one.
   */
  clusters(minHits: number, gapCells: number): CellCluster[] {
    const r = Math.max(1, Math.floor(gapCells));
    const visit = ++this.visitNo;
    const out: CellCluster[] = [];
    // Marks a confirmed, unvisited cell as visited (and labelled); false for anything else.
    const claim = (ix: number, iy: number, id: number): boolean => {
      const tile = this.tileAt(ix, iy, false);
      if (!tile) return false;
      const i = ((iy & TILE_MASK) << TILE_BITS) | (ix & TILE_MASK);
      if (tile.hits[i]! < minHits || tile.visitStamp[i] === visit) return false;
      tile.visitStamp[i] = visit;
      tile.cluster[i] = id;
      return true;
    };
    const seeds = this.frameCells;
    for (let s = 0; s < seeds.length; s += 2) {
      const id = this.clusterNo + 1;
      if (!claim(seeds[s]!, seeds[s + 1]!, id)) continue;
      this.clusterNo = id;
      const cluster: CellCluster = { id, cells: [], seenThisFrame: 0 };
      const queue = [seeds[s]!, seeds[s + 1]!];
      while (queue.length > 0) {
        const iy = queue.pop()!;
        const ix = queue.pop()!;
        cluster.cells.push(ix, iy);
        const tile = this.tileAt(ix, iy, false)!;
        if (tile.frameStamp[((iy & TILE_MASK) << TILE_BITS) | (ix & TILE_MASK)] === this.frameNo) {
          cluster.seenThisFrame++;
        }
        // Interior cells reach everything through their 8 neighbours; only boundary cells need
        // the wider gap search, which keeps the cost near 8 look-ups per cell.
        let boundary = false;
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            if (claim(ix + dx, iy + dy, id)) queue.push(ix + dx, iy + dy);
            else if (this.hitsAt(ix + dx, iy + dy) < minHits) boundary = true;
          }
        }
        if (!boundary || r === 1) continue;
        for (let dy = -r; dy <= r; dy++) {
          for (let dx = -r; dx <= r; dx++) {
            if (Math.abs(dx) > 1 || Math.abs(dy) > 1) {
              if (claim(ix + dx, iy + dy, id)) queue.push(ix + dx, iy + dy);
            }
          }
        }
      }
      out.push(cluster);
    }
    return out;
  }

  /** Area, centroid and outline of a cluster; the outline is the convex hull where it has parts. */
  describe(cluster: CellCluster): ClusterShape {
    const c = this.cellSizeM;
    const cells = cluster.cells;
    const n = cells.length / 2;
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    let sx = 0;
    let sy = 0;
    let hits = 0;
    for (let k = 0; k < cells.length; k += 2) {
      const ix = cells[k]!;
      const iy = cells[k + 1]!;
      minX = Math.min(minX, ix);
      maxX = Math.max(maxX, ix);
      minY = Math.min(minY, iy);
      maxY = Math.max(maxY, iy);
      sx += ix + 0.5;
      sy += iy + 0.5;
      hits += this.hitsAt(ix, iy);
    }
    const centroid: Vec2 = [(sx / n) * c, (sy / n) * c];
    // One cell of padding so the outline tracer never meets the grid edge.
    const w = maxX - minX + 3;
    const h = maxY - minY + 3;
    let outline: Vec2[];
    if (w * h <= MAX_OUTLINE_CELLS) {
      const grid = new Uint8Array(w * h);
      for (let k = 0; k < cells.length; k += 2)
        grid[(cells[k + 1]! - minY + 1) * w + (cells[k]! - minX + 1)] = 1;
      const regions = findMaskRegions(grid, w, h, 1, { simplifyTolerance: 1 });
      const toMetres = ([x, y]: readonly [number, number]): Vec2 => [(x + minX - 1) * c, (y + minY - 1) * c];
      outline =
        regions.length === 1
          ? regions[0]!.polygon.map(toMetres)
          : convexHull(regions.flatMap((r) => r.polygon.map(toMetres)));
    } else {
      const centres: Vec2[] = [];
      for (let k = 0; k < cells.length; k += 2)
        centres.push([(cells[k]! + 0.5) * c, (cells[k + 1]! + 0.5) * c]);
      outline = convexHull(centres);
    }
    return { areaM2: n * c * c, centroid, outline, meanHits: hits / n };
  }

  snapshot(): GroundCellMapSnapshot {
    const cells: number[] = [];
    for (const [key, tile] of this.tiles) {
      const tx = Math.floor(key / TILE_SPAN) - TILE_OFFSET;
      const ty = key - (tx + TILE_OFFSET) * TILE_SPAN - TILE_OFFSET;
      tile.hits.forEach((v, i) => {
        if (v > 0) cells.push((tx << TILE_BITS) + (i & TILE_MASK), (ty << TILE_BITS) + (i >> TILE_BITS), v);
      });
    }
    return { cellSizeM: this.cellSizeM, cells };
  }

  /** A snapshot taken with another cell size cannot be reused; the map then starts empty. */
  restore(s: GroundCellMapSnapshot): void {
    this.tiles = new Map();
    this.frameCells = [];
    if (s.cellSizeM !== this.cellSizeM || !Array.isArray(s.cells)) return;
    for (let k = 0; k + 2 < s.cells.length; k += 3) {
      const ix = s.cells[k]!;
      const iy = s.cells[k + 1]!;
      const v = s.cells[k + 2]!;
      if (!Number.isInteger(ix) || !Number.isInteger(iy) || !(v > 0)) continue;
      this.tileAt(ix, iy, true)!.hits[((iy & TILE_MASK) << TILE_BITS) | (ix & TILE_MASK)] = Math.min(
        v,
        MAX_HITS,
      );
    }
  }
}
