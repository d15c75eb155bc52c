import type { TelemetryDialect } from './telemetry-types.js';

/** What one cue body says, before any unit or axis-order decision (those need the whole file). */
export interface CueFields {
  /** Lower-case key as written (`rel_alt`, `iso`, `h.s`, …) → raw value text. */
  values: Map<string, string>;
  /** Lower-case tuple name (`gps`, `home`, `f.pry`, …) → raw parts. */
  tuples: Map<string, string[]>;
  time?: string;
  dialect?: TelemetryDialect;
  /** Bracketed firmware closes every cue with `</font>`; a cue without it was cut. */
  closesFont: boolean;
}

// `2021-12-25 12:27:52.373` (decimal fraction), `2022-08-07 13:40:40,774,808` (ms,µs),
// `2017.8.5 14:11:51` (old firmware, unpadded).
const DATE =
  /(\d{4})[-./](\d{1,2})[-./](\d{1,2})[ T]+(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+)|,(\d{3})(?:,(\d{3}))?)?/;
const TUPLE = /([A-Za-z][A-Za-z.]*)\s*\(([^()]*)\)/g;
// The look-ahead keeps `EV: Fnum:2.2` (empty EV in Mavic Pro files) from reading EV = "Fnum".
const COLON_PAIR = /([A-Za-z][A-Za-z0-9_.]*)\s*:\s*(?![A-Za-z][A-Za-z0-9_.]*\s*:)([^\s,[\]]+)/g;
const SPACE_PAIR = /^([A-Za-z][A-Za-z.]*)\s+(\S+)$/;
const F_STOP = /^F\/?\s*(\d+(?:\.\d+)?)$/i;
const BRACKETED = /\[\s*[A-Za-z_]+\s*:/;

const pad2 = (s: string): string => s.padStart(2, '0');

function parseDate(m: RegExpExecArray): string {
  const [, y, mo, d, h, mi, s, dotFrac, ms, us] = m;
  const frac = dotFrac ?? (ms === undefined ? undefined : ms + (us ?? ''));
  const base = `${y}-${pad2(mo!)}-${pad2(d!)}T${pad2(h!)}:${mi}:${s}`;
  return frac === undefined ? base : `${base}.${frac}`;
}

export function parseCueFields(body: readonly string[]): CueFields {
  const raw = body.join('\n');
  const closesFont = /<\/font\s*>/i.test(raw);
  let text = raw.replace(/<[^>]*>/g, ' ');

  let time: string | undefined;
  const date = DATE.exec(text);
  if (date) {
    time = parseDate(date);
    text = text.slice(0, date.index) + ' ' + text.slice(date.index + date[0].length);
  }

  const tuples = new Map<string, string[]>();
  // Guarded: the tuple pattern backtracks over every word of bracketed cues, which have no '('.
  if (text.includes('(')) {
    text = text.replace(TUPLE, (_all, name: string, inner: string) => {
      tuples.set(
        name.toLowerCase(),
        inner.split(',').map((p) => p.trim()),
      );
      return ' ';
    });
  }

  const values = new Map<string, string>();
  for (const m of text.matchAll(COLON_PAIR)) values.set(m[1]!.toLowerCase(), m[2]!);

  let spacePairs = 0;
  for (const segment of text.split(/[,\n]/)) {
    const s = segment.trim();
    if (s === '' || /[:[\]]/.test(s)) continue;
    const f = F_STOP.exec(s);
    if (f) {
      values.set('f', f[1]!);
      spacePairs++;
      continue;
    }
    const p = SPACE_PAIR.exec(s);
    if (p) {
      values.set(p[1]!.toLowerCase(), p[2]!);
      spacePairs++;
    }
  }

  let dialect: TelemetryDialect | undefined;
  if (BRACKETED.test(text)) dialect = 'bracketed';
  else if (spacePairs > 0) dialect = 'comma-list';
  else if (tuples.size > 0 || values.size > 0) dialect = 'line';

  return {
    values,
    tuples,
    ...(time === undefined ? {} : { time }),
    ...(dialect ? { dialect } : {}),
    closesFont,
  };
}
