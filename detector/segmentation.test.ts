import { describe, it, expect } from 'vitest';
import { InvalidInputError, ModelError } from '../common/errors.js';
import { computeInputTransform } from './input-transform.js';
import {
  classAreas,
  classMask,
  decodeSegmentation,
  findRegions,
  polygonArea,
  type ClassMap,
} from './segmentation.js';
import type { OutputTensor } from './types.js';

/** [1, C, H, W] logits whose argmax is `classes` (rows of class indices). */
function logitsFor(classes: number[][], numClasses: number): OutputTensor {
  const h = classes.length;
  const w = classes[0]!.length;
  const data = new Float32Array(numClasses * h * w);
  for (let c = 0; c < numClasses; c++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        // Negative logits everywhere, so argmax must not assume values ≥ 0.
        data[c * h * w + y * w + x] = classes[y]![x] === c ? -0.5 : -3 - c - 0.01 * x;
      }
    }
  }
  return { dims: [1, numClasses, h, w], data };
}

function rowsOf(map: ClassMap): number[][] {
  return Array.from({ length: map.height }, (_, y) =>
    Array.from(map.data.subarray(y * map.width, (y + 1) * map.width)),
  );
}

function mapFrom(rows: number[][], numClasses = 3): ClassMap {
  return { width: rows[0]!.length, height: rows.length, numClasses, data: Uint8Array.from(rows.flat()) };
}

function gridFromStrings(lines: string[]): ClassMap {
  return mapFrom(
    lines.map((l) => [...l].map((ch) => (ch === '#' ? 1 : 0))),
    2,
  );
}

describe('decodeSegmentation', () => {
  it('takes the argmax per pixel (stretch, same resolution)', () => {
    const classes = [
      [0, 1, 2],
      [2, 2, 0],
    ];
    const t = computeInputTransform(3, 2, 3, 2, 'stretch');
    const map = decodeSegmentation(logitsFor(classes, 3), t);
    expect(map).toMatchObject({ width: 3, height: 2, numClasses: 3 });
    expect(rowsOf(map)).toEqual(classes);
  });

  it('works on probabilities as well as logits', () => {
    const probs: OutputTensor = { dims: [1, 2, 1, 2], data: Float32Array.of(0.7, 0.2, 0.3, 0.8) };
    const map = decodeSegmentation(probs, computeInputTransform(2, 1, 2, 1, 'stretch'));
    expect(Array.from(map.data)).toEqual([0, 1]);
  });

  const truth = [
    [0, 1, 1, 0],
    [1, 0, 0, 1],
  ];
  const PAD = 2;

  /** Model grid for a 4×2 image letterboxed 2× into 8×8 with `top` padding rows above. */
  function letterboxedGrid(top: number): number[][] {
    return Array.from({ length: 8 }, (_, my) =>
      Array.from({ length: 8 }, (_, mx) => {
        const iy = Math.floor((my - top) / 2);
        return iy >= 0 && iy < 2 ? truth[iy]![Math.floor(mx / 2)]! : PAD;
      }),
    );
  }

  it('undoes a centred letterbox and never reads the padding', () => {
    const t = computeInputTransform(4, 2, 8, 8, 'letterbox', 'center');
    expect(t.padY).toBe(2);
    const map = decodeSegmentation(logitsFor(letterboxedGrid(2), 3), t);
    expect(rowsOf(map)).toEqual(truth);
  });

  it('undoes a top-left letterbox', () => {
    const t = computeInputTransform(4, 2, 8, 8, 'letterbox', 'top-left');
    expect(t.padY).toBe(0);
    const map = decodeSegmentation(logitsFor(letterboxedGrid(0), 3), t);
    expect(rowsOf(map)).toEqual(truth);
  });

  it('undoes horizontal padding for a portrait image', () => {
    const t = computeInputTransform(2, 4, 8, 8, 'letterbox', 'center');
    expect(t.padX).toBe(2);
    const portrait = [
      [0, 1],
      [1, 1],
      [0, 0],
      [1, 0],
    ];
    const grid = Array.from({ length: 8 }, (_, my) =>
      Array.from({ length: 8 }, (_, mx) => {
        const ix = Math.floor((mx - 2) / 2);
        return ix >= 0 && ix < 2 ? portrait[Math.floor(my / 2)]![ix]! : PAD;
      }),
    );
    expect(rowsOf(decodeSegmentation(logitsFor(grid, 3), t))).toEqual(portrait);
  });

  it('maps a quarter-resolution head back to image pixels', () => {
    // 16×8 image, letterboxed into 16×16 (4 padding rows above and below), head at 1/4: 4×4.
    const t = computeInputTransform(16, 8, 16, 16, 'letterbox', 'center');
    expect(t.padY).toBe(4);
    const head = [
      [PAD, PAD, PAD, PAD],
      [0, 1, 0, 1],
      [1, 1, 0, 0],
      [PAD, PAD, PAD, PAD],
    ];
    const map = decodeSegmentation(logitsFor(head, 3), t);
    expect(map.width).toBe(16);
    expect(map.height).toBe(8);
    const expected = Array.from({ length: 8 }, (_, y) =>
      Array.from({ length: 16 }, (_, x) => head[1 + Math.floor(y / 4)]![Math.floor(x / 4)]!),
    );
    expect(rowsOf(map)).toEqual(expected);
  });

  it('reads the requested batch item', () => {
    const a = logitsFor([[0, 1]], 2);
    const b = logitsFor([[1, 0]], 2);
    const both: OutputTensor = { dims: [2, 2, 1, 2], data: Float32Array.from([...a.data, ...b.data]) };
    const t = computeInputTransform(2, 1, 2, 1, 'stretch');
    expect(Array.from(decodeSegmentation(both, t, { batchIndex: 1 }).data)).toEqual([1, 0]);
    expect(Array.from(decodeSegmentation(both, t).data)).toEqual([0, 1]);
  });

  it('throws ModelError on unusable outputs', () => {
    const t = computeInputTransform(2, 2, 2, 2, 'stretch');
    expect(() => decodeSegmentation({ dims: [1, 2, 4], data: new Float32Array(8) }, t)).toThrow(ModelError);
    expect(() => decodeSegmentation({ dims: [1, 1, 2, 2], data: new Float32Array(4) }, t)).toThrow(/C ≤ 256/);
    expect(() => decodeSegmentation({ dims: [1, 2, 2, 2], data: new Float32Array(7) }, t)).toThrow(
      ModelError,
    );
    expect(() =>
      decodeSegmentation({ dims: [1, 2, 2, 2], data: new Float32Array(8) }, t, { batchIndex: 1 }),
    ).toThrow(/batch index 1/);
  });
});

describe('classAreas and classMask', () => {
  const map = mapFrom([
    [0, 1, 1],
    [2, 1, 0],
  ]);

  it('counts pixels per class', () => {
    expect(classAreas(map)).toEqual([2, 3, 1]);
  });

  it('builds a 0/1 mask', () => {
    expect(Array.from(classMask(map, 1))).toEqual([0, 1, 1, 0, 1, 0]);
    expect(() => classMask(map, 3)).toThrow(InvalidInputError);
  });
});

describe('findRegions', () => {
  it('separates two blobs, largest first, with boxes in pixel-corner coordinates', () => {
    const map = gridFromStrings([
      '..........', //
      '.##.......',
      '.##...###.',
      '......###.',
      '......###.',
    ]);
    const regions = findRegions(map, 1);
    expect(regions).toHaveLength(2);
    expect(regions[0]).toMatchObject({ area: 9, box: [6, 2, 9, 5] });
    expect(regions[0]!.polygon).toEqual([
      [6, 2],
      [9, 2],
      [9, 5],
      [6, 5],
    ]);
    expect(regions[1]).toMatchObject({ area: 4, box: [1, 1, 3, 3] });
  });

  it('turns a single pixel into a unit square', () => {
    const regions = findRegions(gridFromStrings(['...', '.#.', '...']), 1);
    expect(regions).toEqual([
      {
        area: 1,
        box: [1, 1, 2, 2],
        polygon: [
          [1, 1],
          [2, 1],
          [2, 2],
          [1, 2],
        ],
      },
    ]);
    expect(polygonArea(regions[0]!.polygon)).toBe(1);
  });

  it('joins diagonal neighbours (8-connectivity)', () => {
    const regions = findRegions(gridFromStrings(['#..', '.#.', '..#']), 1, { simplifyTolerance: 0 });
    expect(regions).toHaveLength(1);
    expect(regions[0]!.area).toBe(3);
    expect(regions[0]!.box).toEqual([0, 0, 3, 3]);
    expect(polygonArea(regions[0]!.polygon)).toBe(3);
  });

  it("keeps an L-shape's area exactly at tolerance 0", () => {
    const map = gridFromStrings(['#....', '#....', '#....', '#####', '#####']);
    const [region] = findRegions(map, 1, { simplifyTolerance: 0 });
    expect(region!.area).toBe(13);
    expect(region!.polygon).toHaveLength(6);
    expect(Math.abs(polygonArea(region!.polygon) - 13) / 13).toBeLessThan(0.01);
  });

  it('reports the pixel area of a ring and its outer boundary as the polygon', () => {
    const map = gridFromStrings([
      '.......',
      '.#####.',
      '.#...#.',
      '.#...#.',
      '.#...#.',
      '.#####.',
      '.......',
    ]);
    const regions = findRegions(map, 1);
    expect(regions).toHaveLength(1);
    expect(regions[0]!.area).toBe(16);
    expect(regions[0]!.polygon).toEqual([
      [1, 1],
      [6, 1],
      [6, 6],
      [1, 6],
    ]);
    expect(polygonArea(regions[0]!.polygon)).toBe(25);
    // The hole's pixels form their own region of class 0 only when asked for.
    expect(findRegions(map, 0).map((r) => r.area)).toEqual([24, 9]);
  });

  it('drops regions below minArea', () => {
    const map = gridFromStrings(['#.##', '..##', '#...']);
    expect(findRegions(map, 1).map((r) => r.area)).toEqual([4, 1, 1]);
    expect(findRegions(map, 1, { minArea: 2 }).map((r) => r.area)).toEqual([4]);
  });

  it('simplifies a staircase edge at the default tolerance but keeps the area close', () => {
    const size = 200;
    const rows = Array.from({ length: size }, (_, y) =>
      Array.from({ length: size }, (_, x) => ((x - 100) ** 2 + (y - 100) ** 2 <= 80 ** 2 ? 1 : 0)),
    );
    const map = mapFrom(rows, 2);
    const [exact] = findRegions(map, 1, { simplifyTolerance: 0 });
    const [simple] = findRegions(map, 1);
    expect(simple!.area).toBe(exact!.area);
    expect(polygonArea(exact!.polygon)).toBe(exact!.area);
    expect(simple!.polygon.length).toBeLessThan(exact!.polygon.length / 4);
    expect(Math.abs(polygonArea(simple!.polygon) - exact!.area) / exact!.area).toBeLessThan(0.02);
  });
});

describe('4K performance smoke test', () => {
  it('decodes a 640×640 head into a 3840×2160 map and finds its regions', () => {
    const t = computeInputTransform(3840, 2160, 640, 640, 'letterbox');
    const c = 4;
    const side = 640;
    const data = new Float32Array(c * side * side);
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        // Road band across the middle, blobs on a lattice, background elsewhere.
        const cls =
          y > 300 && y < 380 ? 1 : (x >> 5) % 3 === 0 && (y >> 5) % 3 === 0 ? 2 : x + y > 1000 ? 3 : 0;
        data[cls * side * side + y * side + x] = 1;
      }
    }
    const map = decodeSegmentation({ dims: [1, c, side, side], data }, t);
    expect(map.width).toBe(3840);
    expect(map.height).toBe(2160);
    const areas = classAreas(map);
    expect(areas.reduce((a, b) => a + b, 0)).toBe(3840 * 2160);
    const road = findRegions(map, 1);
    expect(road).toHaveLength(1);
    expect(findRegions(map, 2).length).toBeGreaterThan(10);
    expect(findRegions(map, 0).length).toBeGreaterThan(0);
  });
});
