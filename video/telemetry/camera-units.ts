/**
 * Old DJI firmware writes camera values as scaled integers. Rules, from the samples:
 * - f-number: `fnum : 280` (Mavic 2 Pro, Air 2S) is f/2.8 and Mavic 3 writes `fnum: 3.2`; no DJI
 *   lens stops down past f/11, so any value ≥ 100 is hundredths.
 * - focal length (35 mm equivalent): `focal_len : 280` (Mavic 2 Pro, a 28 mm lens), `240` (Mavic 2
 *   Zoom at its 24 mm end, Air 2S) are tenths of a millimetre, while Mavic 3 writes `24.00`. The
 *   scaled form never has a decimal point, and real telephotos (Mavic 3 tele ≈ 162 mm) do reach
 *   100 mm, so only a bare integer ≥ 100 is read as tenths; `162.00` stays 162.
 * - shutter: bare numbers (`SS 400`, `Shutter:400`, `TV:60`, `SS 30.15`) are denominators.
 */

const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?/i;

/** Leading number of a value, ignoring a unit suffix (`85.80m`, `110.1°`, `0.0M`); `n/a` → undefined. */
export function parseNumber(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const m = NUMBER.exec(raw.trim());
  if (!m) return undefined;
  const v = Number(m[0]);
  return Number.isFinite(v) ? v : undefined;
}

export function parseFNumber(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const v = parseNumber(raw.trim().replace(/^f\/?\s*/i, ''));
  if (v === undefined || v <= 0) return undefined;
  return v >= 100 ? v / 100 : v;
}

export function parseFocalLen35mm(raw: string | undefined): number | undefined {
  const v = parseNumber(raw);
  if (v === undefined || v <= 0) return undefined;
  return v >= 100 && !raw!.includes('.') ? v / 10 : v;
}

export function parseShutter(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const s = raw.trim();
  if (s === '' || /^n\/a$/i.test(s)) return undefined;
  return /^\d+(?:\.\d+)?$/.test(s) ? `1/${s}` : s;
}
