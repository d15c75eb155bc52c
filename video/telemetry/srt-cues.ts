/** A SubRip cue: timing line, optional number line before it, body lines up to a blank line. */
export interface SrtCue {
  number?: number;
  startS: number;
  endS: number;
  body: string[];
  /** 1-based line of the timing line, so warnings can point into the file. */
  line: number;
}

export interface SrtScan {
  cues: SrtCue[];
  /** Non-blank lines between cues that belong to none; DJI never writes any. */
  strayLines: number;
  /** Non-blank text after the last cue body: a cut-off number or timing line. */
  trailing: string[];
  endsWithNewline: boolean;
}

// Hours are unbounded and minutes/seconds are not range-checked: Matrice 300 firmware writes
// `00:00:59,000 --> 00:00:60,000`, which still means 60 s.
const TIMING =
  /^\s*(\d+):(\d{1,2}):(\d{1,2})(?:[,.](\d{1,3}))?\s*-->\s*(\d+):(\d{1,2}):(\d{1,2})(?:[,.](\d{1,3}))?\s*$/;
const CUE_NUMBER = /^\s*\d+\s*$/;

function seconds(h: string, m: string, s: string, frac: string | undefined): number {
  // A short fraction is still a decimal fraction ("5" = 500 ms), as SubRip readers treat it.
  const f = frac === undefined ? 0 : Number(frac) / 10 ** frac.length;
  return Number(h) * 3600 + Number(m) * 60 + Number(s) + f;
}

function isBlank(line: string): boolean {
  return line.trim() === '';
}

export function scanSrt(text: string): SrtScan {
  const clean = text.replace(/\uFEFF/g, '');
  const lines = clean.split(/\r\n|\r|\n/);
  const endsWithNewline = /[\r\n]$/.test(clean);
  const timingAt: number[] = [];
  for (let i = 0; i < lines.length; i++) if (TIMING.test(lines[i]!)) timingAt.push(i);

  const cues: SrtCue[] = [];
  let strayLines = 0;
  let consumedTo = 0; // first line index not yet attributed to a cue
  for (let c = 0; c < timingAt.length; c++) {
    const k = timingAt[c]!;
    const nextTiming = timingAt[c + 1] ?? lines.length;
    const hasNumber = k - 1 >= consumedTo && CUE_NUMBER.test(lines[k - 1]!);
    for (let i = consumedTo; i < (hasNumber ? k - 1 : k); i++) if (!isBlank(lines[i]!)) strayLines++;

    // The next cue's number line is not body, even when no blank line separates the cues.
    const nextStart =
      nextTiming < lines.length && CUE_NUMBER.test(lines[nextTiming - 1]!) ? nextTiming - 1 : nextTiming;
    const body: string[] = [];
    let i = k + 1;
    while (i < nextStart && !isBlank(lines[i]!)) body.push(lines[i++]!);
    consumedTo = i;

    const m = TIMING.exec(lines[k]!)!;
    cues.push({
      ...(hasNumber ? { number: Number(lines[k - 1]) } : {}),
      startS: seconds(m[1]!, m[2]!, m[3]!, m[4]),
      endS: seconds(m[5]!, m[6]!, m[7]!, m[8]),
      body,
      line: k + 1,
    });
  }

  const trailing: string[] = [];
  for (let i = consumedTo; i < lines.length; i++) if (!isBlank(lines[i]!)) trailing.push(lines[i]!.trim());
  if (cues.length === 0) strayLines += trailing.length;
  return { cues, strayLines, trailing: cues.length === 0 ? [] : trailing, endsWithNewline };
}
