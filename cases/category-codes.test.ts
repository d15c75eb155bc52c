import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../common/errors.js';
import { VIOLATION_TYPES } from './case-model.js';
import { BUNDLED_CATEGORY_TABLES, CategoryCodes, loadCategoryCodes } from './category-codes.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gridwatch-codes-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('category codes', () => {
  it('defaults to the 2026 table and prefixes numeric codes with the region', async () => {
    const codes = await loadCategoryCodes({ regionCode: '330106' });
    expect(codes.standard).toBe('GB/T 47678.5-2026');
    expect(codes.forType('illegal_parking')).toEqual({
      code: '09009',
      name: '机动车乱停放',
      fullCode: '33010609009',
    });
    expect(codes.forType('street_vendor').code).toBe('09006');
    expect(codes.forType('bin_overflow')).toMatchObject({ code: '06042', name: '垃圾站（箱）满溢' });
    expect(codes.forType('garbage_pile').code).toBe('06010');
    expect(codes.forType('exposed_soil')).toEqual({ code: 'LOCAL-SOIL', name: '裸土未覆盖', fullCode: null });
    expect(codes.forType('illegal_parking').fullCode).toHaveLength(11);
    expect(codes.lookup('09005')?.name).toBe('店外经营');
    expect(codes.lookup('0505')).toBeUndefined();
  });

  it('gives no full code without a region', async () => {
    expect((await loadCategoryCodes()).forType('illegal_parking').fullCode).toBeNull();
  });

  it('ships the 2013 codes as an alternative table covering every type', async () => {
    const codes = await loadCategoryCodes({
      path: BUNDLED_CATEGORY_TABLES['gbt-30428.2-2013'],
      regionCode: '110105',
    });
    expect(codes.forType('illegal_parking')).toEqual({
      code: '0505',
      name: '机动车乱停放',
      fullCode: '1101050505',
    });
    for (const type of VIOLATION_TYPES) expect(codes.forType(type).name).not.toBe('');
  });

  it('loads a city table from a file and refuses broken ones', async () => {
    const table = {
      standard: 'city 2025',
      items: [
        { code: '04-06', name: '占道经营' },
        { code: '01-98', name: '垃圾满溢' },
        { code: 'X1', name: '其他' },
      ],
      defaults: {
        illegal_parking: 'X1',
        street_vendor: '04-06',
        bin_overflow: '01-98',
        garbage_pile: 'X1',
        exposed_soil: 'X1',
      },
    };
    const good = join(dir, 'city.json');
    await writeFile(good, JSON.stringify(table));
    expect((await loadCategoryCodes({ path: good, regionCode: '330106' })).forType('street_vendor')).toEqual({
      code: '04-06',
      name: '占道经营',
      fullCode: null,
    });
    const missing = { ...table, defaults: { ...table.defaults, exposed_soil: undefined } };
    expect(() => new CategoryCodes(JSON.parse(JSON.stringify(missing)))).toThrow(
      /no default code for exposed_soil/,
    );
    expect(
      () => new CategoryCodes({ ...table, defaults: { ...table.defaults, exposed_soil: 'NOPE' } }),
    ).toThrow(/not among the table's items/);
    expect(() => new CategoryCodes({ ...table, items: [...table.items, table.items[0]!] })).toThrow(
      /listed twice/,
    );
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{"standard": 1}');
    await expect(loadCategoryCodes({ path: bad })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(loadCategoryCodes({ path: join(dir, 'absent.json') })).rejects.toThrow(
      /cannot read category table/,
    );
    expect(() => new CategoryCodes(table, '3301')).toThrow(/6 digits/);
  });
});
