import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseManifest } from './model-manifest.js';

const base = JSON.parse(readFileSync('models/catalogue/yolox-nano-coco.json', 'utf8')) as Record<
  string,
  unknown
>;
const parse = (patch: Record<string, unknown>) =>
  parseManifest({ ...base, ...patch }, 'test.json', '/models');

describe('model manifest validation', () => {
  it('accepts the catalogue manifests and resolves the label map per class', () => {
    const m = parse({});
    expect(m.classCanonical[2]).toBe('vehicle'); // car
    expect(m.classCanonical[7]).toBe('vehicle'); // truck
    expect(m.classCanonical[0]).toBe('person');
    expect(m.classCanonical[25]).toBeNull(); // umbrella: a weak vendor cue, unmapped
    expect(m.classMinScore[2]).toBe(0.35);
    expect(m.input.letterboxAnchor).toBe('top-left');
    expect(m.weightsPath).toBeNull();
  });

  it('resolves weights relative to the manifest, or takes the override', () => {
    expect(parse({ weights: 'w.onnx' }).weightsPath).toBe('/models/w.onnx');
    expect(
      parseManifest({ ...base, weights: 'w.onnx' }, 't', '/models', '/elsewhere/x.onnx').weightsPath,
    ).toBe('/elsewhere/x.onnx');
  });

  it.each([
    [
      { output: { decoder: 'yolo9000' } },
      /unknown decoder 'yolo9000' for task 'detect' \(known: yolox, nanodet/,
    ],
    [{ output: { decoder: 'segmentation' } }, /unknown decoder 'segmentation' for task 'detect'/],
    [
      { labelMap: { car: { canonical: 'automobile', minScore: 0.3 } } },
      /maps 'car' to unknown label 'automobile'/,
    ],
    [
      { labelMap: { spaceship: { canonical: 'vehicle', minScore: 0.3 } } },
      /labelMap names class 'spaceship', which is not in classes/,
    ],
    [{ labelMap: {} }, /labelMap is empty/],
    [{ task: 'classify' }, /\/task/],
    [{ input: { ...(base.input as object), width: 'big' } }, /\/input\/width/],
    [{ input: { ...(base.input as object), std: [1, 0, 1] } }, /std must not contain 0/],
    [{ classes: ['a', 'a'], labelMap: { a: { canonical: 'vehicle', minScore: 0.3 } } }, /unique/],
    [{ extra: true }, /\/extra/],
  ])('rejects %j', (patch, message) => {
    expect(() => parse(patch)).toThrow(message);
  });

  it('checks segmentation labels against the segmentation vocabulary', () => {
    const seg = {
      ...base,
      task: 'segment',
      output: { decoder: 'segmentation' },
      classes: ['background', 'soil'],
      labelMap: { soil: { canonical: 'vehicle', minScore: 0.5 } },
    };
    expect(() => parseManifest(seg, 's.json', '/')).toThrow(
      /unknown label 'vehicle' \(known: background, bare_soil/,
    );
  });
});
