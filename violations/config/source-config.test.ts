import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../common/errors.js';
import { parseSourceConfig } from './source-config.js';

const base = {
  id: 'cam-042',
  name: 'Renmin Rd / Jiefang St',
  kind: 'camera',
  position: { lat: 31.2304, lon: 121.4737 },
  zones: [
    {
      id: 'bus-stop',
      name: 'Bus stop',
      type: 'no_parking',
      polygon: [
        [0.1, 0.6],
        [0.5, 0.6],
        [0.5, 0.95],
        [0.1, 0.95],
      ],
    },
  ],
  rules: {
    illegal_parking: { minDwellSeconds: 240 },
    street_vendor: { schedule: [{ days: ['mon', 'tue'], start: '07:00', end: '21:30' }] },
  },
};

const parse = (patch: Record<string, unknown>) => parseSourceConfig({ ...base, ...patch }, 'cam.json');
const zone = (polygon: unknown, extra: Record<string, unknown> = {}) =>
  parse({ zones: [{ id: 'z1', type: 'no_parking', polygon, ...extra }] });

describe('source configuration', () => {
  it('accepts a camera and fills in defaults per rule', () => {
    const c = parse({});
    expect(c.timezone).toBe('Asia/Shanghai');
    expect(c.zones[0]!.name).toBe('Bus stop');
    expect(c.rules.illegal_parking.minDwellSeconds).toBe(240);
    expect(c.rules.illegal_parking.minMedianScore).toBe(0.3);
    expect(c.rules.street_vendor.minDwellSeconds).toBe(300);
    expect(c.rules.street_vendor.schedule).toEqual([{ days: ['mon', 'tue'], start: '07:00', end: '21:30' }]);
    expect(c.rules.bin_overflow).toMatchObject({
      minDwellSeconds: 60,
      minPresenceRatio: 0.8,
      schedule: null,
    });
    expect(c.rules.exposed_soil).toMatchObject({ minAreaM2: 50, minZoneFraction: 0.2, minObservations: 3 });
    expect(c.rules.garbage_pile.minDwellSeconds).toBe(120);
  });

  it('leaves the defaults themselves untouched', () => {
    parse({ rules: { illegal_parking: { minDwellSeconds: 5 } } });
    expect(parse({ rules: {} }).rules.illegal_parking.minDwellSeconds).toBe(180);
  });

  it('defaults the zone name to its id and accepts a drone without zones', () => {
    expect(
      zone([
        [0, 0],
        [1, 0],
        [1, 1],
      ]).zones[0]!.name,
    ).toBe('z1');
    expect(parseSourceConfig({ id: 'flight-7', name: 'Route 7', kind: 'drone' }).zones).toEqual([]);
  });

  it.each([
    [
      'a self-intersecting polygon',
      () =>
        zone([
          [0.1, 0.1],
          [0.9, 0.9],
          [0.9, 0.1],
          [0.1, 0.9],
        ]),
      /zone 'z1' is self-intersecting: edge 1 \(point 1 → 2\) crosses edge 3 \(point 3 → 4\)/,
    ],
    [
      'a coordinate outside [0, 1]',
      () =>
        zone([
          [0.1, 0.1],
          [1.2, 0.5],
          [0.1, 0.9],
        ]),
      /zone 'z1': point 2 \(1.2, 0.5\) is outside \[0, 1\]/,
    ],
    [
      'fewer than 3 points',
      () =>
        zone([
          [0.1, 0.1],
          [0.5, 0.5],
        ]),
      /zone 'z1' has 2 point\(s\); a polygon needs at least 3/,
    ],
    [
      'a zero-area polygon',
      () =>
        zone([
          [0.1, 0.1],
          [0.5, 0.5],
          [0.9, 0.9],
        ]),
      /zone 'z1' has zero area/,
    ],
    [
      'a repeated point',
      () =>
        zone([
          [0.1, 0.1],
          [0.1, 0.1],
          [0.5, 0.5],
          [0.1, 0.9],
        ]),
      /point 2 \(0.1, 0.1\) repeats/,
    ],
    [
      'an unknown zone type',
      () =>
        zone(
          [
            [0, 0],
            [1, 0],
            [1, 1],
          ],
          { type: 'parking_lot' },
        ),
      /zone 'z1': unknown zone type 'parking_lot' \(known: no_parking, roadway, pavement, vending_allowed, bin_area, construction_site, mask\)/,
    ],
    [
      'a duplicate zone id',
      () => parse({ zones: [base.zones[0], base.zones[0]] }),
      /zone id 'bus-stop' is used twice/,
    ],
    [
      'an unknown rule',
      () => parse({ rules: { jaywalking: {} } }),
      /unknown rule 'jaywalking' \(known: illegal_parking, street_vendor/,
    ],
    [
      'an unknown rule parameter',
      () => parse({ rules: { illegal_parking: { minDwell: 60 } } }),
      /rules\.illegal_parking: unknown parameter 'minDwell' \(known: enabled, minDwellSeconds/,
    ],
    [
      'a parameter of the wrong type',
      () => parse({ rules: { illegal_parking: { minDwellSeconds: -5 } } }),
      /rules\.illegal_parking\.minDwellSeconds: Expected number to be greater or equal to 0/,
    ],
    [
      'a bad schedule time',
      () => parse({ rules: { street_vendor: { schedule: [{ start: '25:00', end: '18:00' }] } } }),
      /rules\.street_vendor\.schedule\[0\]\.start: '25:00' is not a time of day/,
    ],
    [
      'an unknown day',
      () =>
        parse({
          rules: { street_vendor: { schedule: [{ days: ['monday'], start: '08:00', end: '18:00' }] } },
        }),
      /rules\.street_vendor\.schedule\[0\]\.days: unknown day 'monday'/,
    ],
    [
      'an empty window',
      () => parse({ rules: { street_vendor: { schedule: [{ start: '08:00', end: '08:00' }] } } }),
      /start and end are both '08:00'/,
    ],
    [
      'an unknown timezone',
      () => parse({ timezone: 'Mars/Olympus_Mons' }),
      /timezone 'Mars\/Olympus_Mons' is not a known IANA time zone/,
    ],
    ['an unknown kind', () => parse({ kind: 'satellite' }), /kind 'satellite' is not one of camera, drone/],
    [
      'a collinear calibration',
      () =>
        parse({
          calibration: {
            image: [
              [0, 0],
              [0.5, 0.5],
              [1, 1],
              [0, 1],
            ],
            ground: [
              { lat: 31, lon: 121 },
              { lat: 31.001, lon: 121 },
              { lat: 31.001, lon: 121.001 },
              { lat: 31, lon: 121.001 },
            ],
          },
        }),
      /calibration: homographyFrom4Points: image points 1, 2, 3 are collinear/,
    ],
    [
      'a missing id',
      () => parseSourceConfig({ name: 'x', kind: 'camera' }, 'cam.json'),
      /\/id: Expected required property/,
    ],
    ['an id that breaks keys', () => parse({ id: 'cam:1' }), /\/id: Expected string to match/],
  ])('rejects %s with a precise message', (_what, load, message) => {
    expect(load).toThrow(InvalidInputError);
    expect(load).toThrow(message);
  });

  it('names the file and reports every problem at once', () => {
    expect(() => parse({ timezone: 'Nowhere/City', rules: { jaywalking: {} } })).toThrow(
      /^invalid source configuration cam\.json: timezone 'Nowhere\/City'.*; unknown rule 'jaywalking'/,
    );
  });

  it('accepts overnight windows and 24:00 as an end', () => {
    const c = parse({
      rules: {
        street_vendor: {
          schedule: [
            { start: '22:00', end: '06:00' },
            { start: '06:00', end: '24:00' },
          ],
        },
      },
    });
    expect(c.rules.street_vendor.schedule?.[0]?.days).toHaveLength(7);
  });
});
