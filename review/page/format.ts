/** Numbers and times as a reviewer reads them: plain, whole units, the reviewer's own clock. */
import { t, type Language } from './i18n.js';

/** "4 分 05 秒" / "4 min 05 s"; hours and minutes once it is an hour or more. */
export function formatDwell(seconds: number, lang: Language): string {
  const total = Math.max(0, Math.round(seconds));
  if (total < 60) return t(lang, 'secondsShort', { s: total });
  if (total < 3600) {
    return t(lang, 'minutesSeconds', {
      m: Math.floor(total / 60),
      s: String(total % 60).padStart(2, '0'),
    });
  }
  return t(lang, 'hoursMinutes', {
    h: Math.floor(total / 3600),
    m: String(Math.floor((total % 3600) / 60)).padStart(2, '0'),
  });
}

/** Whole percent: reviewers compare cases, not decimals. */
export function formatConfidence(confidence: number): string {
  return `${Math.round(Math.min(1, Math.max(0, confidence)) * 100)}%`;
}

/** Date and time to the second in the browser's time zone. */
export function formatDateTime(iso: string, lang: Language): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(lang, {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  }).format(d);
}

/** Time of day only, for the dense queue rows. */
export function formatTime(iso: string, lang: Language): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(lang, {
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(d);
}

/** A `<input type="datetime-local">` value (local time, no zone) as an ISO instant, or null. */
export function localInputToIso(value: string): string | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

export function formatCoordinate(lat: number, lon: number): string {
  return `${lat.toFixed(5)}, ${lon.toFixed(5)}`;
}
