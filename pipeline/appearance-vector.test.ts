import { describe, expect, it } from 'vitest';
import { boxAppearance } from './appearance-vector.js';

function image(width: number, height: number, colour: (x: number, y: number) => [number, number, number]) {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) data.set(colour(x, y), (y * width + x) * 3);
  return { data, width, height };
}

describe('boxAppearance', () => {
  it('is the mean colour per grid cell, row-major', () => {
    const img = image(40, 40, (x) => (x < 20 ? [200, 0, 0] : [0, 0, 200]));
    const v = boxAppearance(img, [0, 0, 40, 40], 2);
    expect(v).toEqual([200, 0, 0, 0, 0, 200, 200, 0, 0, 0, 0, 200]);
  });

  it('clips to the image and gives zeros for a box outside it', () => {
    const img = image(10, 10, () => [10, 20, 30]);
    expect(boxAppearance(img, [-5, -5, 5, 5], 4).slice(0, 3)).toEqual([10, 20, 30]);
    expect(boxAppearance(img, [20, 20, 30, 30], 4).every((x) => x === 0)).toBe(true);
    expect(boxAppearance(img, [3, 3, 3, 8], 4)).toHaveLength(48);
  });
});
