import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDjiSrt } from './dji-srt-parser.js';
import { interpolateTelemetry } from './interpolate-telemetry.js';
import { readDjiSrtFile } from './read-dji-srt.js';
import type { TelemetryRecord, TelemetryTrack } from './telemetry-types.js';

// /work/main/video/telemetry/ → /work/shared/media/dji-srt/
const SRT_DIR = new URL('../../../shared/media/dji-srt/', import.meta.url);
const MISSING = 'missing ../shared/media/dji-srt: tests need the shared reference media';

const parsed = new Map<string, TelemetryTrack>();
function sample(name: string): TelemetryTrack {
  if (!existsSync(SRT_DIR)) throw new Error(MISSING);
  let track = parsed.get(name);
  if (!track) {
    track = parseDjiSrt(readFileSync(new URL(name, SRT_DIR), 'utf8'), { source: name });
    parsed.set(name, track);
  }
  return track;
}

const first = (t: TelemetryTrack): TelemetryRecord => t.records[0]!;
const last = (t: TelemetryTrack): TelemetryRecord => t.records[t.records.length - 1]!;

// Literal values below were copied by hand from the first/last cues of each file.
describe('parseDjiSrt on the real DJI samples', () => {
  it('resolves the shared media folder next to the repository', () => {
    expect(fileURLToPath(SRT_DIR)).toMatch(/[\\/]shared[\\/]media[\\/]dji-srt[\\/]$/);
    if (!existsSync(SRT_DIR)) throw new Error(MISSING);
  });

  it('MAVIC3.srt: 12318 bracketed records at 50 fps', () => {
    const t = sample('MAVIC3.srt');
    expect(t.records).toHaveLength(12318);
    expect(t.format).toBe('bracketed');
    expect(t.warnings).toEqual([]);
    expect(t.hasPositions).toBe(true);
    // `FrameCnt: 1, DiffTime: 20ms` / `2021-12-25 12:27:52.373` / `[iso: 220] [shutter: 1/8000.0]
    // [fnum: 3.2] … [ct: 5115] … [focal_len: 24.00] [latitude: 3.41531] [longitude: -3.37440]
    // [rel_alt: -2.400 abs_alt: 0.401]`
    expect(first(t)).toEqual({
      t: 0,
      durationS: 0.02,
      frame: 1,
      time: '2021-12-25T12:27:52.373',
      lat: 3.41531,
      lon: -3.3744,
      relAlt: -2.4,
      absAlt: 0.401,
      focalLen35mm: 24,
      fNumber: 3.2,
      iso: 220,
      shutter: '1/8000.0',
      colorTemp: 5115,
    });
    // cue 12318, `00:04:06,340 --> 00:04:06,360`
    expect(last(t)).toMatchObject({
      frame: 12318,
      time: '2021-12-25T12:31:58.710',
      lat: 3.41368,
      lon: -3.37721,
      relAlt: 3.6,
      absAlt: 6.401,
      fNumber: 3.5,
      iso: 170,
      colorTemp: 5049,
    });
    expect(last(t).t).toBeCloseTo(246.34, 9);
  });

  it('air2s.srt: SrtCnt, `fnum : 280` → f/2.8, `focal_len : 240` → 24 mm, altitude as height', () => {
    const t = sample('air2s.srt');
    expect(t.records).toHaveLength(17);
    expect(t.warnings).toEqual([]);
    expect(first(t)).toMatchObject({
      t: 0,
      frame: 1,
      time: '2022-08-07T13:40:40.774808',
      lat: 41.424724,
      lon: 2.234156,
      height: 117,
      fNumber: 2.8,
      focalLen35mm: 24,
      iso: 100,
      shutter: '1/80.0',
      colorTemp: 5744,
    });
    expect(last(t)).toMatchObject({
      frame: 17,
      lat: 41.42473,
      lon: 2.234102,
      height: 117.1,
      colorTemp: 5757,
    });
    expect(last(t).t).toBeCloseTo(0.533, 9);
  });

  it('mavic_2pro_new.SRT: BOM, `longtitude`, 280 → 28 mm, joined clips flagged', () => {
    const t = sample('mavic_2pro_new.SRT');
    expect(t.records).toHaveLength(8952);
    expect(first(t)).toMatchObject({
      t: 0,
      frame: 218,
      time: '2019-09-27T10:28:08.438904',
      lat: -35.080155,
      lon: -60.286702,
      focalLen35mm: 28,
      fNumber: 2.8,
      iso: 110,
      shutter: '1/1250.0',
      colorTemp: 5174,
    });
    expect(last(t)).toMatchObject({
      frame: 1049,
      time: '2019-09-27T11:11:41.524497',
      lat: -35.077976,
      lon: -60.314572,
      shutter: '1/2000.0',
      colorTemp: 5192,
    });
    expect(last(t).t).toBeCloseTo(369.84, 9);
    // FrameCnt restarts 11 times and the drone clock jumps by up to ~16 min: an edited video.
    expect(t.warnings).toHaveLength(1);
    expect(t.warnings[0]).toMatch(/mavic_2pro_new\.SRT: the frame counter restarts 11 times.*joined clips/);
  });

  it('mavic_mini.SRT: comma list, GPS (lon, lat, satellites) proven by the -121.7 longitude', () => {
    const t = sample('mavic_mini.SRT');
    expect(t.records).toHaveLength(117);
    expect(t.format).toBe('comma-list');
    expect(t.warnings).toEqual([]);
    expect(t.gpsTupleOrder?.order).toBe('lon,lat');
    expect(t.gpsTupleOrder?.basis).toMatch(/beyond ±90/);
    // `F/2.8, SS 30.15, ISO 260, EV -1.7, GPS (-121.7458, 48.0771, 17), D 221.21m, H 200.70m`
    expect(first(t)).toEqual({
      t: 0,
      durationS: 1,
      lat: 48.0771,
      lon: -121.7458,
      satellites: 17,
      height: 200.7,
      distance: 221.21,
      fNumber: 2.8,
      iso: 260,
      shutter: '1/30.15',
    });
    // `SS 67.93, ISO 100, EV 0, GPS (-121.7476, 48.0775, 17), D 305.73m, H 200.80m`
    expect(last(t)).toMatchObject({ t: 116, lat: 48.0775, lon: -121.7476, distance: 305.73, height: 200.8 });
    expect(last(t).shutter).toBe('1/67.93');
  });

  it('p4_rtk.SRT: GPS order proven by D against HOME; F.PRY / G.PRY angles', () => {
    const t = sample('p4_rtk.SRT');
    expect(t.records).toHaveLength(55);
    expect(t.warnings).toEqual([]);
    expect(t.gpsTupleOrder?.order).toBe('lon,lat');
    expect(t.gpsTupleOrder?.basis).toMatch(/^D \(distance to home\)/);
    // `F/5.6, SS 400, ISO 100, EV 0, GPS (-58.851745, -34.237922, 15), HOME (-58.847509,
    // -34.232707, -57.98m), D 698.70m, H 85.80m, …, F.PRY (2.7°, -7.0°, 110.1°), G.PRY (-24.4°, 0.0°, 110.4°)`
    expect(first(t)).toMatchObject({
      t: 0,
      lat: -34.237922,
      lon: -58.851745,
      satellites: 15,
      home: { lat: -34.232707, lon: -58.847509 },
      distance: 698.7,
      height: 85.8,
      aircraftPitch: 2.7,
      aircraftRoll: -7,
      aircraftYaw: 110.1,
      gimbalPitch: -24.4,
      gimbalRoll: 0,
      gimbalYaw: 110.4,
      fNumber: 5.6,
      iso: 100,
      shutter: '1/400',
    });
    // `GPS (-58.849196, -34.232349, 15), …, D 159.98m, H 85.80m, …, F.PRY (8.4°, -20.1°, 109.2°), G.PRY (-24.4°, 0.0°, 111.9°)`
    expect(last(t)).toMatchObject({
      t: 54,
      lat: -34.232349,
      lon: -58.849196,
      distance: 159.98,
      aircraftPitch: 8.4,
      aircraftRoll: -20.1,
      aircraftYaw: 109.2,
      gimbalYaw: 111.9,
    });
  });

  it('broken_incomplete.SRT: keeps the 19 complete records and warns about the cut cue 20', () => {
    const t = sample('broken_incomplete.SRT');
    expect(t.records).toHaveLength(19);
    expect(t.format).toBe('line');
    const cut = t.warnings.find((w) => w.includes('cut off'));
    expect(cut).toMatch(/^broken_incomplete\.SRT: file is cut off: last cue 20 .*lacks .*gps/);
    // `HOME(-58.4563,-34.7386) 2017.07.03 10:15:03` / `GPS(-58.4563,-34.7383,19) BAROMETER:20.1` /
    // `ISO:100 Shutter:400 EV:-1/3 Fnum:F2.8`
    expect(first(t)).toEqual({
      t: 1,
      durationS: 1,
      time: '2017-07-03T10:15:03',
      lat: -34.7383,
      lon: -58.4563,
      satellites: 19,
      home: { lat: -34.7386, lon: -58.4563 },
      height: 20.1,
      fNumber: 2.8,
      iso: 100,
      shutter: '1/400',
    });
    // cue 19: `… 10:15:21` / `GPS(-58.4563,-34.7383,19) BAROMETER:7.7` / `ISO:196 Shutter:100 …`
    expect(last(t)).toMatchObject({
      t: 19,
      time: '2017-07-03T10:15:21',
      height: 7.7,
      iso: 196,
      shutter: '1/100',
    });
    // Nothing in this file proves the tuple order (all values within ±90°, no D), so it is the
    // documented prior, and the track says so.
    expect(t.gpsTupleOrder?.order).toBe('lon,lat');
    expect(t.warnings.some((w) => /GPS tuple order not provable/.test(w))).toBe(true);
  });

  it('places every sample where its file says (GPS order right for each)', () => {
    const near: [string, number, number][] = [
      ['MAVIC3.srt', 3.415, -3.374],
      ['air2s.srt', 41.4247, 2.2341],
      ['mavic_2pro_new.SRT', -35.08, -60.29],
      ['mavic_mini.SRT', 48.077, -121.746],
      ['p4_rtk.SRT', -34.238, -58.852],
      ['broken_incomplete.SRT', -34.738, -58.456],
    ];
    for (const [name, lat, lon] of near) {
      const r = first(sample(name));
      expect(Math.abs(r.lat! - lat), name).toBeLessThan(0.01);
      expect(Math.abs(r.lon! - lon), name).toBeLessThan(0.01);
    }
  });

  it('interpolates a real track between two 20 ms records', () => {
    const t = sample('MAVIC3.srt');
    const r = interpolateTelemetry(t, 0.01)!;
    expect(r.lat).toBeCloseTo(3.41531, 9);
    expect(r.relAlt).toBeCloseTo(-2.4, 9);
    // The last cue starts at 246.34 s and lasts 20 ms: that far beyond it clamps, further does not.
    expect(interpolateTelemetry(t, 246.355)?.frame).toBe(12318);
    expect(interpolateTelemetry(t, 246.5)).toBeUndefined();
  });

  it('reads a file from disk, naming it in warnings', async () => {
    if (!existsSync(SRT_DIR)) throw new Error(MISSING);
    const t = await readDjiSrtFile(fileURLToPath(new URL('broken_incomplete.SRT', SRT_DIR)));
    expect(t.records).toHaveLength(19);
    expect(t.warnings[0]).toMatch(/^broken_incomplete\.SRT: /);
  });
});
