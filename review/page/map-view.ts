/**
 * The local map: sources and queued cases by lat/lon on a canvas, the current case ringed. No
 * tiles (none are reachable from a bureau's network); the point is where this case is relative to
 * the cameras and the other cases, which a plain plot with a scale bar shows.
 */
import type { Case, ViolationType } from '../../cases/case-model.js';
import type { MapSource } from './api-client.js';
import { fitProjection, scaleBar, type LatLon } from './map-projection.js';

export const TYPE_COLOURS: Record<ViolationType, string> = {
  illegal_parking: '#2563eb',
  street_vendor: '#d97706',
  bin_overflow: '#059669',
  exposed_soil: '#92400e',
  garbage_pile: '#7c3aed',
};

export interface MapContent {
  sources: readonly MapSource[];
  cases: readonly Case[];
  current: Case | undefined;
}

function located(c: Case): c is Case & { location: LatLon } {
  return c.location !== null;
}

export function drawMap(canvas: HTMLCanvasElement, content: MapContent, emptyText: string): void {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (width === 0 || height === 0) return;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  ctx.fillStyle = '#f4f1ea';
  ctx.fillRect(0, 0, width, height);

  const sources = content.sources.filter((s): s is MapSource & { position: LatLon } => s.position !== null);
  const cases = content.cases.filter(located);
  const current = content.current && located(content.current) ? content.current : undefined;
  const points: LatLon[] = [...sources.map((s) => s.position), ...cases.map((c) => c.location)];
  if (current) points.push(current.location);
  const projection = fitProjection(points, width, height, 22);
  if (!projection) {
    ctx.fillStyle = '#6b7280';
    ctx.font = '13px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.fillText(emptyText, width / 2, height / 2);
    return;
  }

  // A light 100 m-ish grid gives a sense of scale before the bar is read.
  const bar = scaleBar(projection.pixelsPerMetre, width / 4);
  ctx.strokeStyle = '#e5e0d4';
  ctx.lineWidth = 1;
  for (let x = (width / 2) % bar.pixels; x < width; x += bar.pixels) {
    ctx.beginPath();
    ctx.moveTo(Math.round(x) + 0.5, 0);
    ctx.lineTo(Math.round(x) + 0.5, height);
    ctx.stroke();
  }
  for (let y = (height / 2) % bar.pixels; y < height; y += bar.pixels) {
    ctx.beginPath();
    ctx.moveTo(0, Math.round(y) + 0.5);
    ctx.lineTo(width, Math.round(y) + 0.5);
    ctx.stroke();
  }

  ctx.font = '11px system-ui, sans-serif';
  ctx.textAlign = 'left';
  for (const s of sources) {
    const p = projection.toPixel(s.position);
    ctx.fillStyle = '#111827';
    ctx.fillRect(p.x - 4, p.y - 4, 8, 8);
    ctx.fillStyle = '#374151';
    const label = s.name ?? s.id;
    // Labels near the right edge go on the left of their marker rather than off the canvas.
    const w = ctx.measureText(label).width;
    ctx.fillText(label, p.x + 7 + w > width - 4 ? p.x - 7 - w : p.x + 7, p.y + 4);
  }
  for (const c of cases) {
    if (current && c.id === current.id) continue;
    const p = projection.toPixel(c.location);
    ctx.beginPath();
    ctx.arc(p.x, p.y, 4, 0, Math.PI * 2);
    ctx.fillStyle = TYPE_COLOURS[c.type] ?? '#6b7280';
    ctx.globalAlpha = 0.75;
    ctx.fill();
    ctx.globalAlpha = 1;
  }
  if (current) {
    const p = projection.toPixel(current.location);
    ctx.beginPath();
    ctx.arc(p.x, p.y, 6, 0, Math.PI * 2);
    ctx.fillStyle = TYPE_COLOURS[current.type] ?? '#6b7280';
    ctx.fill();
    ctx.beginPath();
    ctx.arc(p.x, p.y, 11, 0, Math.PI * 2);
    ctx.strokeStyle = '#dc2626';
    ctx.lineWidth = 2.5;
    ctx.stroke();
  }

  // Scale bar and north.
  const y0 = height - 12;
  ctx.strokeStyle = '#111827';
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo(12, y0 - 4);
  ctx.lineTo(12, y0);
  ctx.lineTo(12 + bar.pixels, y0);
  ctx.lineTo(12 + bar.pixels, y0 - 4);
  ctx.stroke();
  ctx.fillStyle = '#111827';
  ctx.fillText(bar.metres >= 1000 ? `${bar.metres / 1000} km` : `${bar.metres} m`, 16 + bar.pixels, y0);
  ctx.textAlign = 'center';
  ctx.font = 'bold 12px system-ui, sans-serif';
  ctx.fillText('N', width - 14, 16);
  ctx.beginPath();
  ctx.moveTo(width - 14, 20);
  ctx.lineTo(width - 18, 30);
  ctx.lineTo(width - 10, 30);
  ctx.closePath();
  ctx.fill();
}
