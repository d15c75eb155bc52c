import type { BoxXYXY } from '../detector/types.js';

export interface AnnotationBox {
  box: BoxXYXY;
  text: string;
  /** CSS colour; defaults by label so the same class keeps one colour across images. */
  colour?: string;
}

const PALETTE = ['#ff3b30', '#34c759', '#0a84ff', '#ff9f0a', '#bf5af2', '#64d2ff', '#ffd60a', '#ff375f'];

export function colourFor(key: string): string {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) >>> 0;
  return PALETTE[h % PALETTE.length]!;
}

export function escapeXml(s: string): string {
  return s.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!,
  );
}

/** An SVG the size of the image with one outlined, captioned rectangle per box. */
export function boxesSvg(width: number, height: number, boxes: readonly AnnotationBox[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${boxesSvgElements(width, height, boxes)}</svg>`;
}

/** The elements of boxesSvg without the <svg> wrapper, for drawings that add more on top. */
export function boxesSvgElements(width: number, height: number, boxes: readonly AnnotationBox[]): string {
  const stroke = Math.max(2, Math.round(Math.min(width, height) / 300));
  const font = Math.max(12, Math.round(Math.min(width, height) / 45));
  const parts = boxes.map(({ box, text, colour }) => {
    const c = colour ?? colourFor(text.split(' ')[0] ?? text);
    const [x1, y1, x2, y2] = box.map((v) => Math.round(v)) as BoxXYXY;
    const labelY = y1 - font - 4 >= 0 ? y1 - font - 4 : y1;
    const labelW = Math.round(text.length * font * 0.6) + 8;
    return (
      `<rect x="${x1}" y="${y1}" width="${x2 - x1}" height="${y2 - y1}" fill="none" stroke="${c}" stroke-width="${stroke}"/>` +
      `<rect x="${x1}" y="${labelY}" width="${labelW}" height="${font + 4}" fill="${c}"/>` +
      `<text x="${x1 + 4}" y="${labelY + font}" font-family="DejaVu Sans, sans-serif" font-size="${font}" fill="#fff">${escapeXml(text)}</text>`
    );
  });
  return parts.join('');
}
