import type { SrtCue } from './srt-cues.js';
import type { CueFields } from './srt-fields.js';

const keysOf = (f: CueFields): Set<string> => {
  const keys = new Set<string>([...f.values.keys(), ...f.tuples.keys()]);
  if (f.time !== undefined) keys.add('date');
  return keys;
};

function charClass(line: string | undefined): string {
  const c = line?.trimEnd().slice(-1) ?? '';
  if (/\d/.test(c)) return 'digit';
  if (/[A-Za-z]/.test(c)) return 'letter';
  return c;
}

/**
 * Why the last cue looks cut, or undefined. A copy interrupted mid-write leaves a last cue that
 * lacks fields every other cue has (DJI writes the same fields in every cue of a file), an
 * unclosed `<font>`, or a last line that ends unlike the same line of the cue before.
 */
export function lastCueCut(
  cues: readonly SrtCue[],
  fields: readonly CueFields[],
  endsWithNewline: boolean,
): string | undefined {
  const n = cues.length;
  const last = cues[n - 1];
  const lastFields = fields[n - 1];
  if (!last || !lastFields) return undefined;
  if (last.body.length === 0) return 'it has a timing line but no body';
  if (n < 3) return undefined;

  const counts = new Map<string, number>();
  let closed = 0;
  for (let i = 0; i < n - 1; i++) {
    for (const k of keysOf(fields[i]!)) counts.set(k, (counts.get(k) ?? 0) + 1);
    if (fields[i]!.closesFont) closed++;
  }
  const lastKeys = keysOf(lastFields);
  const missing = [...counts].filter(([k, c]) => c >= 0.9 * (n - 1) && !lastKeys.has(k)).map(([k]) => k);
  if (missing.length > 0) return `it lacks ${missing.join(', ')}, which the other cues have`;
  if (closed >= 0.9 * (n - 1) && !lastFields.closesFont) return 'its closing </font> is missing';

  const prev = cues[n - 2]!;
  if (!endsWithNewline && prev.body.length === last.body.length) {
    const a = charClass(prev.body[prev.body.length - 1]);
    const b = charClass(last.body[last.body.length - 1]);
    if (a !== b) return 'the file ends mid-line';
  }
  return undefined;
}
