import { describe, expect, it } from 'vitest';
import { cropRaw, cropRect } from './crop-region.js';
import { evidenceOverlaySvg, formatDuration, formatMediaTime, formatWallClock } from './evidence-overlay.js';

describe('cropRect', () => {
  it('adds a margin and stays inside the frame', () => {
    expect(cropRect([100, 100, 200, 150], 640, 480)).toEqual({ left: 80, top: 90, width: 140, height: 70 });
    expect(cropRect([0, 0, 50, 50], 64, 48)).toEqual({ left: 0, top: 0, width: 60, height: 48 });
    expect(cropRect([600, 400, 700, 500], 640, 480)).toEqual({ left: 580, top: 380, width: 60, height: 100 });
  });
  it('refuses empty, inverted, non-finite and off-frame boxes', () => {
    expect(cropRect([10, 10, 10, 20], 640, 480)).toBeUndefined();
    expect(cropRect([20, 10, 10, 20], 640, 480)).toBeUndefined();
    expect(cropRect([Number.NaN, 10, 10, 20], 640, 480)).toBeUndefined();
    expect(cropRect([1000, 1000, 1100, 1100], 640, 480)).toBeUndefined();
  });
});

describe('cropRaw', () => {
  it('copies the rows of the rectangle', () => {
    const width = 4;
    const height = 3;
    const data = new Uint8Array(width * height * 3).map((_, i) => i);
    const out = cropRaw({ data, width, height }, { left: 1, top: 1, width: 2, height: 2 });
    expect(out.width).toBe(2);
    expect([...out.data]).toEqual([15, 16, 17, 18, 19, 20, 27, 28, 29, 30, 31, 32]);
  });
});

describe('overlay text', () => {
  it('formats wall-clock time in the source zone, falling back to UTC', () => {
    const ms = Date.UTC(2026, 2, 1, 8, 4, 5);
    expect(formatWallClock(ms, 'Asia/Shanghai')).toBe('2026-03-01 16:04:05 GMT+08:00');
    expect(formatWallClock(ms, 'Not/AZone')).toMatch(/^2026-03-01 08:04:05 GMT/);
  });
  it('formats media positions and dwell', () => {
    expect(formatMediaTime(83.4567)).toBe('00:01:23.457');
    expect(formatDuration(250)).toBe('4 min 10 s');
    expect(formatDuration(7500)).toBe('2 h 5 min');
    expect(formatDuration(45)).toBe('45 s');
  });
  it('escapes caption and zone text', () => {
    const svg = evidenceOverlaySvg({
      width: 320,
      height: 240,
      box: [10, 20, 100, 120],
      label: 'illegal_parking 0.80',
      zone: {
        name: '<bus & stop>',
        polygon: [
          [0.1, 0.6],
          [0.5, 0.6],
          [0.5, 0.95],
        ],
      },
      caption: ['Wensan Rd "A" · 2026-03-01'],
    });
    expect(svg).toContain('&lt;bus &amp; stop&gt;');
    expect(svg).toContain('Wensan Rd &quot;A&quot;');
    expect(svg).toContain('points="32,144 160,144 160,228"');
    expect(svg).not.toContain('<bus');
  });
});
