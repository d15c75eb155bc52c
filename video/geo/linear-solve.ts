import { InvalidInputError } from '../../common/errors.js';

/**
 * Solves A·x = b in place by Gaussian elimination with partial pivoting (row swaps pick the
 * largest remaining pivot, which keeps the 8×8 homography system stable). `a` is n×n row-major.
 * Throws InvalidInputError when a pivot is negligible against the matrix scale: the system is
 * singular, which for a homography means degenerate point sets.
 */
export function solveLinearSystem(a: Float64Array, b: Float64Array, n: number, what: string): Float64Array {
  if (a.length !== n * n || b.length !== n) throw new InvalidInputError(`${what}: system size mismatch`);
  let scale = 0;
  for (const v of a) scale = Math.max(scale, Math.abs(v));
  const eps = scale * n * 1e-12;

  for (let col = 0; col < n; col++) {
    let pivotRow = col;
    for (let r = col + 1; r < n; r++)
      if (Math.abs(a[r * n + col]!) > Math.abs(a[pivotRow * n + col]!)) pivotRow = r;
    const pivot = a[pivotRow * n + col]!;
    if (!(Math.abs(pivot) > eps)) throw new InvalidInputError(`${what}: singular system (degenerate input)`);
    if (pivotRow !== col) {
      for (let c = 0; c < n; c++) {
        const tmp = a[col * n + c]!;
        a[col * n + c] = a[pivotRow * n + c]!;
        a[pivotRow * n + c] = tmp;
      }
      const tb = b[col]!;
      b[col] = b[pivotRow]!;
      b[pivotRow] = tb;
    }
    for (let r = col + 1; r < n; r++) {
      const factor = a[r * n + col]! / pivot;
      if (factor === 0) continue;
      for (let c = col; c < n; c++) a[r * n + c] = a[r * n + c]! - factor * a[col * n + c]!;
      b[r] = b[r]! - factor * b[col]!;
    }
  }

  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r]!;
    for (let c = r + 1; c < n; c++) s -= a[r * n + c]! * x[c]!;
    x[r] = s / a[r * n + r]!;
  }
  return x;
}
