/**
 * The drawing burned into annotated evidence: the object's box, the zone it stands in, and a
 * caption band naming the source and the time, so a still copied out of the system still says
 * where and when it was taken.
 */
import type { BoxXYXY } from '../detector/types.js';
import { boxesSvgElements, colourFor, escapeXml } from './annotation-svg.js';

export interface EvidenceOverlay {
  width: number;
  height: number;
  box?: BoxXYXY;
  /** Box caption, e.g. `illegal_parking 0.82`. */
  label: string;
  /** Zone polygon in normalised image coordinates ([0, 1] × [0, 1]). */
  zone?: { name: string; polygon: readonly (readonly [number, number])[] };
  /** Another outline in normalised coordinates (an exposed-soil patch, say). */
  outline?: readonly (readonly [number, number])[];
  /** Lines of the caption band at the top. */
  caption: readonly string[];
}

const ZONE_COLOUR = '#ffd60a';
const FONT = 'DejaVu Sans, Noto Sans CJK SC, sans-serif';

function points(poly: readonly (readonly [number, number])[], width: number, height: number): string {
  return poly.map(([x, y]) => `${Math.round(x * width)},${Math.round(y * height)}`).join(' ');
}

export function evidenceOverlaySvg(o: EvidenceOverlay): string {
  const { width, height } = o;
  const unit = Math.min(width, height);
  const stroke = Math.max(2, Math.round(unit / 300));
  const font = Math.max(12, Math.round(unit / 32));
  const parts: string[] = [];
  if (o.zone && o.zone.polygon.length >= 3) {
    const [x0, y0] = o.zone.polygon[0] as readonly [number, number];
    parts.push(
      `<polygon points="${points(o.zone.polygon, width, height)}" fill="${ZONE_COLOUR}" fill-opacity="0.12" ` +
        `stroke="${ZONE_COLOUR}" stroke-width="${stroke}" stroke-dasharray="${stroke * 4},${stroke * 2}"/>`,
      `<text x="${Math.round(x0 * width) + 4}" y="${Math.round(y0 * height) - 6}" font-family="${FONT}" ` +
        `font-size="${Math.round(font * 0.8)}" fill="${ZONE_COLOUR}" stroke="#000" stroke-width="0.6" ` +
        `paint-order="stroke">${escapeXml(o.zone.name)}</text>`,
    );
  }
  if (o.outline && o.outline.length >= 3) {
    parts.push(
      `<polygon points="${points(o.outline, width, height)}" fill="none" stroke="${colourFor(o.label)}" stroke-width="${stroke}"/>`,
    );
  }
  if (o.box) parts.push(boxesSvgElements(width, height, [{ box: o.box, text: o.label }]));
  if (o.caption.length) {
    const line = Math.round(font * 1.3);
    const band = line * o.caption.length + Math.round(font * 0.5);
    parts.push(`<rect x="0" y="0" width="${width}" height="${band}" fill="#000" fill-opacity="0.55"/>`);
    o.caption.forEach((text, i) => {
      parts.push(
        `<text x="${Math.round(font * 0.5)}" y="${line * (i + 1)}" font-family="${FONT}" font-size="${font}" ` +
          `fill="#fff">${escapeXml(text)}</text>`,
      );
    });
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
}

/** `2026-03-01 16:04:05 GMT+08:00` in the source's zone; UTC when the zone is unknown. */
export function formatWallClock(ms: number, timeZone = 'UTC'): string {
  const format = (zone: string): string => {
    const parts = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'longOffset',
    }).formatToParts(new Date(ms));
    const get = (type: Intl.DateTimeFormatPartTypes): string =>
      parts.find((p) => p.type === type)?.value ?? '';
    return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')} ${get('timeZoneName')}`;
  };
  try {
    return format(timeZone);
  } catch {
    return format('UTC');
  }
}

/** A position in a video, `00:01:23.456`. */
export function formatMediaTime(s: number): string {
  const ms = Math.max(0, Math.round(s * 1000));
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor(ms / 60_000) % 60;
  const sec = Math.floor(ms / 1000) % 60;
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(sec)}.${pad(ms % 1000, 3)}`;
}

/** `4 min 10 s`, `2 h 5 min`, `45 s`. */
export function formatDuration(s: number): string {
  const total = Math.max(0, Math.round(s));
  const h = Math.floor(total / 3600);
  const m = Math.floor(total / 60) % 60;
  const sec = total % 60;
  if (h) return `${h} h ${m} min`;
  if (m) return `${m} min ${sec} s`;
  return `${sec} s`;
}
