import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../common/errors.js';
import { groundOffsetToLatLon } from '../geo/geodesy.js';
import { parseFNumber, parseFocalLen35mm, parseShutter } from './camera-units.js';
import { parseDjiSrt } from './dji-srt-parser.js';
import { decodeSrtBytes } from './read-dji-srt.js';

const ts = (s: number): string => {
  const ms = Math.round(s * 1000);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(Math.floor(ms / 3_600_000))}:${p(Math.floor(ms / 60_000) % 60)}:${p(Math.floor(ms / 1000) % 60)},${p(ms % 1000, 3)}`;
};

/** SubRip text from cue bodies, one cue per `step` seconds. */
function srt(bodies: string[][], step = 1, start = 0): string {
  return bodies
    .map((body, i) =>
      [String(i + 1), `${ts(start + i * step)} --> ${ts(start + (i + 1) * step)}`, ...body, ''].join('\n'),
    )
    .join('\n');
}

describe('parseDjiSrt dialects', () => {
  it('bracketed (Mavic 3 Enterprise style) with gimbal angles, CRLF, BOM and dot millis', () => {
    const body =
      '[iso: 100] [shutter: 1/500.0] [fnum: 2.8] [ev: 0] [ct: 5500] [color_md: default] [focal_len: 24.00] ' +
      '[dzoom_ratio: 10000, delta:0] [latitude: 52.520008] [longitude: 13.404954] [rel_alt: 50.000 abs_alt: 84.200] ' +
      '[gb_yaw: -170.5 gb_pitch: -45.0 gb_roll: 0.0] </font>';
    const text =
      '\uFEFF1\r\n00:00:00.000 --> 00:00:00.033\r\n<font size="28" color="#ffffff">FrameCnt: 1, DiffTime: 33ms\r\n' +
      `2023-05-01 10:00:00.100\r\n${body}\r\n\r\n` +
      '2\r\n00:00:00.033 --> 00:00:00.067\r\n<font size="28">FrameCnt: 2, DiffTime: 34ms\r\n' +
      `2023-05-01 10:00:00.133\r\n${body.replace('52.520008', '52.520010')}\r\n`;
    const t = parseDjiSrt(text, { source: 'm3e.srt' });
    expect(t.format).toBe('bracketed');
    expect(t.warnings).toEqual([]);
    expect(t.records).toHaveLength(2);
    expect(t.records[0]).toEqual({
      t: 0,
      durationS: 0.033,
      frame: 1,
      time: '2023-05-01T10:00:00.100',
      lat: 52.520008,
      lon: 13.404954,
      relAlt: 50,
      absAlt: 84.2,
      gimbalYaw: -170.5,
      gimbalPitch: -45,
      gimbalRoll: 0,
      focalLen35mm: 24,
      fNumber: 2.8,
      iso: 100,
      shutter: '1/500.0',
      colorTemp: 5500,
    });
    expect(t.records[1]).toMatchObject({ t: 0.033, frame: 2, lat: 52.52001 });
  });

  it('bracketed old firmware: `longtitude`, spaced colons, scaled fnum/focal_len, altitude', () => {
    const text = srt([
      [
        '<font size="36">FrameCnt : 1, DiffTime : 16ms',
        '2020-04-02 15:19:58,720,764',
        '[iso : 120] [shutter : 1/2500.0] [fnum : 280] [ev : 0] [ct : 5003] [color_md : default] [focal_len : 480] ' +
          '[latitude : 31.452012] [longtitude : 74.398751] [altitude: 213.983002] </font>',
      ],
    ]);
    const t = parseDjiSrt(text);
    expect(t.records[0]).toMatchObject({
      frame: 1,
      time: '2020-04-02T15:19:58.720764',
      lat: 31.452012,
      lon: 74.398751,
      height: 213.983002,
      fNumber: 2.8,
      focalLen35mm: 48,
      iso: 120,
      colorTemp: 5003,
    });
  });

  it('comma list (Phantom 4 RTK) with HOME, F.PRY and G.PRY in pitch, roll, yaw order', () => {
    const t = parseDjiSrt(
      srt([
        [
          'F/5.6, SS 400, ISO 100, EV 0, GPS (8.2090, 47.4692, 18), HOME (8.2088, 47.4690, 410.2m), D 26.89m, ' +
            'H 45.60m, H.S 0.00m/s, V.S 0.00m/s, F.PRY (1.5°, -2.5°, -175.0°), G.PRY (-90.0°, 0.0°, -174.2°)',
        ],
      ]),
    );
    expect(t.format).toBe('comma-list');
    expect(t.records[0]).toEqual({
      t: 0,
      durationS: 1,
      lat: 47.4692,
      lon: 8.209,
      satellites: 18,
      home: { lat: 47.469, lon: 8.2088 },
      distance: 26.89,
      height: 45.6,
      aircraftPitch: 1.5,
      aircraftRoll: -2.5,
      aircraftYaw: -175,
      gimbalPitch: -90,
      gimbalRoll: 0,
      gimbalYaw: -174.2,
      fNumber: 5.6,
      iso: 100,
      shutter: '1/400',
    });
  });

  it('line format (Mavic Pro): HOME(lon,lat) date / GPS(…) BAROMETER / empty `EV:`', () => {
    const bodies = [0, 1, 2].map((i) => [
      `HOME(149.0251,-20.2532) 2017.8.5 14:11:5${i}`,
      `GPS(149.0251,-20.253${3 + i},16) BAROMETER:1.${9 - i}`,
      'ISO:100 Shutter:60 EV: Fnum:2.2 ',
    ]);
    const t = parseDjiSrt(srt(bodies, 1, 1).replace(/\n/g, '\r\n'));
    expect(t.format).toBe('line');
    expect(t.gpsTupleOrder).toEqual({ order: 'lon,lat', basis: expect.stringMatching(/beyond ±90/) });
    expect(t.warnings).toEqual([]);
    expect(t.records[2]).toEqual({
      t: 3,
      durationS: 1,
      time: '2017-08-05T14:11:52',
      lat: -20.2535,
      lon: 149.0251,
      satellites: 16,
      home: { lat: -20.2532, lon: 149.0251 },
      height: 1.7,
      fNumber: 2.2,
      iso: 100,
      shutter: '1/60',
    });
  });

  it('oldest line format: Hb height, TV shutter, IR aperture', () => {
    const t = parseDjiSrt(
      srt([
        [
          'HOME(149.0251,-20.2532) 2017.8.5 14:11:51',
          'GPS(149.0251,-20.2533,16) Hb:1.9 Hs:1.9',
          'ISO:100 TV:60 EV: 0 IR:F2.8',
        ],
      ]),
    );
    expect(t.records[0]).toMatchObject({
      height: 1.9,
      shutter: '1/60',
      fNumber: 2.8,
      iso: 100,
      lat: -20.2533,
    });
  });

  it('Matrice 300 line format writes GPS(lat, lon, altM): read lat-first, flagged as assumed', () => {
    const text = srt(
      [
        ['2022.06.21 16:06:17', 'GPS(36.6146,-6.1120,0.0M) BAROMETER:0.3M'],
        ['2022.06.21 16:06:18', 'GPS(36.6147,-6.1121,0.0M) BAROMETER:0.8M'],
      ],
      1,
      59,
    ).replace('00:01:00,000 --> 00:01:01,000', '00:00:60,000 --> 00:00:61,000');
    const t2 = parseDjiSrt(text, { source: 'm300.srt' });
    expect(t2.gpsTupleOrder?.order).toBe('lat,lon');
    expect(t2.warnings).toEqual([
      expect.stringMatching(/^m300\.srt: GPS tuple order not provable.*Matrice 300/),
    ]);
    expect(t2.records[0]).toMatchObject({
      t: 59,
      lat: 36.6146,
      lon: -6.112,
      height: 0.3,
      time: '2022-06-21T16:06:17',
    });
    expect(t2.records[0]!.satellites).toBeUndefined();
    // `00:00:60,000` is what that firmware writes for one minute.
    expect(t2.records[1]!.t).toBe(60);
  });

  it('proves a lat-first order from D against HOME when no value exceeds ±90°', () => {
    const home = { lat: 40, lon: -3.7 };
    const bodies = [
      [100, 50],
      [300, 400],
      [-250, 200],
    ].map(([e, n]) => {
      const p = groundOffsetToLatLon(home.lat, home.lon, e!, n!);
      const d = Math.hypot(e!, n!).toFixed(2);
      return [
        `F/2.8, SS 100, ISO 100, EV 0, GPS (${p.lat.toFixed(6)}, ${p.lon.toFixed(6)}, 15), ` +
          `HOME (${home.lat.toFixed(6)}, ${home.lon.toFixed(6)}, 0.0m), D ${d}m, H 50.0m`,
      ];
    });
    const t = parseDjiSrt(srt(bodies));
    expect(t.gpsTupleOrder?.order).toBe('lat,lon');
    expect(t.gpsTupleOrder?.basis).toMatch(/^D \(distance to home\)/);
    expect(t.warnings).toEqual([]);
    expect(t.records[0]!.lat).toBeCloseTo(40, 2);
    expect(t.records[0]!.lon).toBeCloseTo(-3.7, 2);
    expect(t.records[0]!.home).toEqual({ lat: 40, lon: -3.7 });
  });

  it('proves a lat-first order from a second value beyond ±90° (Tokyo)', () => {
    const t = parseDjiSrt(
      srt([['GPS(35.6812,139.7671,12) BAROMETER:30.0'], ['GPS(35.6813,139.7672,12) BAROMETER:30.2']]),
    );
    expect(t.gpsTupleOrder?.order).toBe('lat,lon');
    expect(t.records[1]).toMatchObject({ lat: 35.6813, lon: 139.7672 });
  });

  it('accepts a file without positions (Mavic Air) with hasPositions false and a warning', () => {
    const body = (n: number): string[] => [
      `<font size="36">FrameCnt : ${n}, DiffTime : 39ms`,
      '2018-02-19 08:04:51,265,847',
      '[iso : 100] [shutter : 1/240.0] [fnum : 280] [ev : 0] [ct : 5627] </font>',
    ];
    const t = parseDjiSrt(srt([body(1), body(2), body(3)], 0.04), { source: 'air.SRT' });
    expect(t.hasPositions).toBe(false);
    expect(t.records).toHaveLength(3);
    expect(t.records[0]).toMatchObject({ frame: 1, fNumber: 2.8, iso: 100 });
    expect(t.warnings).toEqual(['air.SRT: no record has a position (this model/firmware writes none)']);
  });

  it('drops 0,0 positions written before the GPS fix', () => {
    const t = parseDjiSrt(
      srt([
        ['GPS(0.0,0.0,0) BAROMETER:0.0'],
        ['GPS(-1.2218,42.4668,11) BAROMETER:0.0'],
        ['GPS(-1.2219,42.4668,11) BAROMETER:0.5'],
      ]),
      { source: 'fix.SRT' },
    );
    expect(t.records[0]!.lat).toBeUndefined();
    expect(t.records[1]).toMatchObject({ lat: 42.4668, lon: -1.2218 });
    expect(t.warnings).toContain(
      'fix.SRT: 1 records have position 0,0 (no GPS fix yet); dropped those positions',
    );
  });

  it('converts radians written by buggy firmware', () => {
    const rad = (deg: number): string => ((deg * Math.PI) / 180).toFixed(9);
    const text = srt([
      [`[iso : 100] [latitude : ${rad(41.3851)}] [longtitude : ${rad(2.1734)}] [altitude: 50.0]`],
      [`[iso : 100] [latitude : ${rad(41.3852)}] [longtitude : ${rad(2.1735)}] [altitude: 50.0]`],
    ]);
    const t = parseDjiSrt(text);
    expect(t.records[0]!.lat).toBeCloseTo(41.3851, 6);
    expect(t.records[0]!.lon).toBeCloseTo(2.1734, 6);
    expect(t.warnings.some((w) => /radians/.test(w))).toBe(true);
  });

  it('detects a file cut mid-line without a final newline', () => {
    const full = [
      'F/2.8, SS 100, ISO 100, EV 0, GPS (-121.7458, 48.0771, 17), D 221.21m, H 200.70m, H.S n/a, V.S n/a',
    ];
    const text = srt([full, full, full, full]).trimEnd();
    // Cut inside the last value (`V.S n/a` → `V.S n/`): every field name is still there.
    const cut = text.slice(0, text.length - 1);
    const t = parseDjiSrt(cut, { source: 'cut.SRT' });
    expect(t.records).toHaveLength(3);
    expect(t.warnings[0]).toMatch(/^cut\.SRT: file is cut off: last cue 4 .*ends mid-line/);
    // A cut inside a timing line leaves text after the last complete cue.
    const t2 = parseDjiSrt(`${srt([full, full, full])}\n4\n00:00:03,0`, { source: 'cut2.SRT' });
    expect(t2.records).toHaveLength(3);
    expect(t2.warnings[0]).toBe(
      'cut2.SRT: file is cut off after the last cue: ignored trailing "4 00:00:03,0"',
    );
    // A bracketed cue that lost its tail lacks `</font>` and fields.
    const body =
      '<font size="28">FrameCnt: 1, DiffTime: 20ms\n[iso: 100] [latitude: 3.41531] [longitude: -3.37440] </font>';
    const text3 =
      srt([[body], [body], [body]]) +
      '\n4\n00:00:03,000 --> 00:00:04,000\n<font size="28">FrameCnt: 4, Diff\n';
    const t3 = parseDjiSrt(text3, { source: 'cut3.srt' });
    expect(t3.records).toHaveLength(3);
    expect(t3.warnings[0]).toMatch(
      /cut3\.srt: file is cut off: last cue 4 .*lacks difftime, iso, latitude, longitude/,
    );
  });

  it('tolerates blank-line runs, missing final blank line and cues without numbers', () => {
    const text =
      '1\n00:00:00,000 --> 00:00:01,000\nF/3.2, SS 160, ISO 100, EV 0, GPS (8.2090, 47.4692, 18), D 49.21m, H 45.60m\n\n\n\n' +
      '00:00:01,000 --> 00:00:02,000\nF/3.2, SS 160, ISO 100, EV 0, GPS (8.2091, 47.4692, 18), D 49.24m, H 45.60m';
    const t = parseDjiSrt(text);
    expect(t.records.map((r) => r.t)).toEqual([0, 1]);
    expect(t.records[1]).toMatchObject({ lat: 47.4692, lon: 8.2091, distance: 49.24 });
  });

  it('rejects empty and non-SRT input with InvalidInputError naming the source', () => {
    expect(() => parseDjiSrt('', { source: 'empty.SRT' })).toThrow(InvalidInputError);
    expect(() => parseDjiSrt('\uFEFF \r\n\n', { source: 'empty.SRT' })).toThrow(/^empty\.SRT: empty file/);
    expect(() => parseDjiSrt('WEBVTT\n\nhello\n', { source: 'notes.txt' })).toThrow(
      /^notes\.txt: not a SubRip subtitle file/,
    );
    expect(() => parseDjiSrt('1\n2\n3\n')).toThrow(InvalidInputError);
  });

  it('decodes UTF-16 subtitle exports', () => {
    const text = srt([['GPS(-121.7458,48.0771,17) BAROMETER:1.0']]);
    const le = new Uint8Array([0xff, 0xfe, ...Buffer.from(text, 'utf16le')]);
    expect(parseDjiSrt(decodeSrtBytes(le)).records[0]).toMatchObject({ lat: 48.0771 });
  });
});

describe('camera unit normalisation', () => {
  it('reads scaled and plain f-numbers', () => {
    expect(parseFNumber('280')).toBe(2.8);
    expect(parseFNumber('1100')).toBe(11);
    expect(parseFNumber('3.2')).toBe(3.2);
    expect(parseFNumber('F2.8')).toBe(2.8);
    expect(parseFNumber('F/5.6')).toBe(5.6);
    expect(parseFNumber('n/a')).toBeUndefined();
  });

  it('reads focal_len tenths only when written as a bare integer ≥ 100', () => {
    expect(parseFocalLen35mm('240')).toBe(24);
    expect(parseFocalLen35mm('280')).toBe(28);
    expect(parseFocalLen35mm('24.00')).toBe(24);
    expect(parseFocalLen35mm('162.00')).toBe(162);
    expect(parseFocalLen35mm('24')).toBe(24);
  });

  it('writes bare shutter denominators as 1/x', () => {
    expect(parseShutter('400')).toBe('1/400');
    expect(parseShutter('30.15')).toBe('1/30.15');
    expect(parseShutter('1/8000.0')).toBe('1/8000.0');
    expect(parseShutter('n/a')).toBeUndefined();
  });
});
