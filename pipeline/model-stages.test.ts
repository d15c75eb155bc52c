import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../detector/model-manifest.js';
import { trackStartScores } from './model-stages.js';

const manifest = (file: string) =>
  parseManifest(JSON.parse(readFileSync(file, 'utf8')) as unknown, file, '/models');

describe('trackStartScores', () => {
  it("takes each Gridwatch label's calibrated minScore from the manifest", () => {
    expect(trackStartScores(manifest('models/street-detector/manifest.json'))).toEqual({
      vehicle: 0.36,
      person: 0.31,
      vendor_stall: 0.29,
      waste_bin: 0.24,
      bin_overflow: 0.25,
      garbage_pile: 0.33,
    });
  });

  it('keeps the lowest where several model classes map to one label', () => {
    const m = manifest('models/catalogue/yolox-nano-coco.json');
    const vehicleMins = m.classMinScore.filter((_, i) => m.classCanonical[i] === 'vehicle');
    expect(vehicleMins.length).toBeGreaterThan(1);
    expect(trackStartScores(m).vehicle).toBe(Math.min(...vehicleMins));
  });
});
