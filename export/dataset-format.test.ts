import { describe, expect, it } from 'vitest';
import { csvField, dataYaml, yoloLine } from './dataset-format.js';

describe('dataset text formats', () => {
  it('writes YOLO lines with the detector class index, normalised and clamped to the image', () => {
    expect(yoloLine('vehicle', [10, 20, 30, 60], 100, 200)).toBe('0 0.200000 0.200000 0.200000 0.200000');
    expect(yoloLine('garbage_pile', [-10, 0, 50, 100], 100, 100)).toBe(
      '5 0.250000 0.500000 0.500000 1.000000',
    );
    expect(yoloLine('vendor_stall', [5, 5, 5, 9], 100, 100)).toBeUndefined();
  });

  it('lists the classes in the detector order', () => {
    expect(dataYaml()).toContain(
      '  0: vehicle\n  1: person\n  2: vendor_stall\n  3: waste_bin\n  4: bin_overflow\n  5: garbage_pile\n',
    );
  });

  it('quotes CSV fields that need it and defuses spreadsheet formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"\nbye')).toBe('"say ""hi""\nbye"');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('+1')).toBe("'+1");
    expect(csvField(-0.5)).toBe('-0.5');
    expect(csvField(null)).toBe('');
  });
});
