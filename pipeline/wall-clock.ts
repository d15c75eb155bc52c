/**
 * Wall-clock times for a video. DJI telemetry writes local time without a zone, and people type
 * times the same way, so a time without an offset is read in the source's own time zone.
 */
import { InvalidInputError } from '../common/errors.js';

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?$/;
const HAS_ZONE = /(?:Z|[+-]\d{2}:?\d{2})$/i;

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/** Offset of `tz` from UTC at an instant, in ms (Asia/Shanghai: +8 h). */
export function zoneOffsetMs(instantMs: number, tz: string): number {
  let f = offsetFormatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    offsetFormatters.set(tz, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(instantMs)) p[part.type] = Number(part.value);
  const asUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour! % 24, p.minute!, p.second!);
  return asUtc - Math.floor(instantMs / 1000) * 1000;
}

/** `YYYY-MM-DD[T ]HH:MM[:SS[.fff…]]` as local time in `tz`; null when the text is not of that form. */
export function localTimeToEpochMs(text: string, tz: string): number | null {
  const m = LOCAL.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac] = m;
  const ms = frac ? Math.round(Number(`0.${frac}`) * 1000) : 0;
  const naive = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0), ms);
  if (!Number.isFinite(naive)) return null;
  // Two passes settle the offset on either side of a daylight-saving change.
  let guess = naive - zoneOffsetMs(naive, tz);
  guess = naive - zoneOffsetMs(guess, tz);
  return guess;
}

/**
 * A start time as given on the command line or in a job: epoch milliseconds, an ISO time with a
 * zone, or a local time (read in `tz`).
 */
export function parseWallClock(value: string | number, tz: string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new InvalidInputError(`start time must be a finite number, got ${value}`);
    return value;
  }
  const text = value.trim();
  if (/^\d{10,}$/.test(text)) return Number(text);
  if (HAS_ZONE.test(text)) {
    const t = Date.parse(text);
    if (Number.isFinite(t)) return t;
  } else {
    const t = localTimeToEpochMs(text, tz);
    if (t !== null) return t;
  }
  throw new InvalidInputError(
    `start time '${value}' is not a time: use e.g. 2024-01-08T10:00:00+08:00, or 2024-01-08 10:00 for local time in ${tz}`,
  );
}
