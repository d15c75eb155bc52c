/**
 * Appearance vectors (e.g. 4×4×3 mean colours) are compared after scaling to unit length, which
 * cancels a global brightness change (dusk, a cloud, auto-exposure) while keeping the colour layout.
 */
export function normaliseAppearance(v: ArrayLike<number> | undefined): number[] | undefined {
  if (!v || typeof v.length !== 'number' || v.length === 0 || v.length > 4096) return undefined;
  let sum = 0;
  const out = new Array<number>(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) return undefined;
    out[i] = x;
    sum += x * x;
  }
  if (!(sum > 0)) return undefined;
  const inv = 1 / Math.sqrt(sum);
  for (let i = 0; i < out.length; i++) out[i] = out[i]! * inv;
  return out;
}

/** Half the Euclidean distance of two unit vectors: 0 identical, 1 opposite. */
export function appearanceDistance(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) return Infinity;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    sum += d * d;
  }
  return Math.sqrt(sum) / 2;
}

/** Running mean kept at unit length; a reference of another length is replaced. */
export function blendAppearance(ref: number[] | null, v: readonly number[], weight: number): number[] {
  if (!ref || ref.length !== v.length) return [...v];
  const out = ref.map((r, i) => r * (1 - weight) + v[i]! * weight);
  return normaliseAppearance(out) ?? [...v];
}
