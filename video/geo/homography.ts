import { InvalidInputError } from '../../common/errors.js';
import type { Point2 } from './geo-types.js';
import { solveLinearSystem } from './linear-solve.js';

/** Row-major 3×3, scaled so the calibration points have w > 0 (see {@link applyHomography}). */
export type Homography = readonly [number, number, number, number, number, number, number, number, number];

const WHAT = 'homographyFrom4Points';

function checkGeneralPosition(pts: readonly Point2[], name: string): void {
  if (pts.length !== 4)
    throw new InvalidInputError(`${WHAT}: need exactly 4 ${name} points, got ${pts.length}`);
  for (const p of pts) {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) {
      throw new InvalidInputError(`${WHAT}: ${name} point (${p.x}, ${p.y}) is not finite`);
    }
  }
  let extent2 = 0;
  for (const p of pts) for (const q of pts) extent2 = Math.max(extent2, (p.x - q.x) ** 2 + (p.y - q.y) ** 2);
  const triples = [
    [0, 1, 2],
    [0, 1, 3],
    [0, 2, 3],
    [1, 2, 3],
  ] as const;
  for (const [i, j, k] of triples) {
    const a = pts[i]!;
    const b = pts[j]!;
    const c = pts[k]!;
    const cross = (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x);
    // Twice the triangle area against the squared extent: scale-free, so metres and pixels alike.
    if (!(Math.abs(cross) > 1e-9 * extent2)) {
      throw new InvalidInputError(
        `${WHAT}: ${name} points ${i + 1}, ${j + 1}, ${k + 1} are collinear or coincide; ` +
          'need 4 points with no three on a line',
      );
    }
  }
}

/** Hartley normalisation: centroid to the origin, mean distance √2, so the DLT is well conditioned. */
function normaliser(pts: readonly Point2[]): { s: number; cx: number; cy: number } {
  const cx = pts.reduce((acc, p) => acc + p.x, 0) / pts.length;
  const cy = pts.reduce((acc, p) => acc + p.y, 0) / pts.length;
  const mean = pts.reduce((acc, p) => acc + Math.hypot(p.x - cx, p.y - cy), 0) / pts.length;
  return { s: Math.SQRT2 / mean, cx, cy };
}

/**
 * Image → map homography for a fixed camera, from four correspondences (8×8 DLT, h33 = 1 in
 * normalised space). Map points are local ground metres, x = east, y = north, from any origin the
 * caller picks (e.g. `latLonToGroundOffset(origin, corner)`), so distances and areas read off the
 * map side are metres. Lon/lat would also solve (the points are normalised first), but a degree of
 * lon and of lat differ in length, so nothing metric could be read off that map.
 */
export function homographyFrom4Points(imagePts: readonly Point2[], mapPts: readonly Point2[]): Homography {
  checkGeneralPosition(imagePts, 'image');
  checkGeneralPosition(mapPts, 'map');
  const ni = normaliser(imagePts);
  const nm = normaliser(mapPts);

  const a = new Float64Array(64);
  const b = new Float64Array(8);
  for (let i = 0; i < 4; i++) {
    const x = (imagePts[i]!.x - ni.cx) * ni.s;
    const y = (imagePts[i]!.y - ni.cy) * ni.s;
    const X = (mapPts[i]!.x - nm.cx) * nm.s;
    const Y = (mapPts[i]!.y - nm.cy) * nm.s;
    a.set([x, y, 1, 0, 0, 0, -x * X, -y * X], 2 * i * 8);
    a.set([0, 0, 0, x, y, 1, -x * Y, -y * Y], (2 * i + 1) * 8);
    b[2 * i] = X;
    b[2 * i + 1] = Y;
  }
  const h = solveLinearSystem(a, b, 8, WHAT);
  const hn = [h[0]!, h[1]!, h[2]!, h[3]!, h[4]!, h[5]!, h[6]!, h[7]!, 1];

  // H = Tmap⁻¹ · Hn · Timg, with T(p) = s·(p − c).
  const ti = [ni.s, 0, -ni.s * ni.cx, 0, ni.s, -ni.s * ni.cy, 0, 0, 1];
  const tmInv = [1 / nm.s, 0, nm.cx, 0, 1 / nm.s, nm.cy, 0, 0, 1];
  const m = mul3(tmInv, mul3(hn, ti));

  // Positive w at the calibration centroid lets applyHomography tell "beyond the horizon" apart.
  const wc = m[6]! * ni.cx + m[7]! * ni.cy + m[8]!;
  const k = Math.abs(m[8]!) > 1e-12 ? 1 / m[8]! : 1;
  const sign = wc * k < 0 ? -1 : 1;
  return m.map((v) => v * k * sign) as unknown as Homography;
}

function mul3(p: readonly number[], q: readonly number[]): number[] {
  const out = new Array<number>(9).fill(0);
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) {
      out[r * 3 + c] = p[r * 3]! * q[c]! + p[r * 3 + 1]! * q[3 + c]! + p[r * 3 + 2]! * q[6 + c]!;
    }
  }
  return out;
}

/**
 * Maps (x, y) through H. Null when w ≤ 0: the point is on the far side of the vanishing line from
 * the calibration points (in a camera image, above the horizon), where no ground point exists.
 */
export function applyHomography(H: Homography, x: number, y: number): Point2 | null {
  const w = H[6] * x + H[7] * y + H[8];
  if (!(w > 1e-12)) return null;
  return { x: (H[0] * x + H[1] * y + H[2]) / w, y: (H[3] * x + H[4] * y + H[5]) / w };
}

/** Map → image, e.g. to draw a kerb line surveyed in metres onto the frame. */
export function invertHomography(H: Homography): Homography {
  const [a, b, c, d, e, f, g, h, i] = H;
  const inv = [
    e * i - f * h,
    c * h - b * i,
    b * f - c * e,
    f * g - d * i,
    a * i - c * g,
    c * d - a * f,
    d * h - e * g,
    b * g - a * h,
    a * e - b * d,
  ];
  const det = a * inv[0]! + b * inv[3]! + c * inv[6]!;
  if (!(Math.abs(det) > 1e-300)) throw new InvalidInputError('invertHomography: singular homography');
  return inv.map((v) => v / det) as unknown as Homography;
}
