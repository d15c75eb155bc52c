import { describe, expect, it } from 'vitest';
import { sniffTelemetrySrt, sniffVideo } from './content-sniff.js';

function ftyp(brand: string): Buffer {
  const b = Buffer.alloc(32);
  b.writeUInt32BE(24, 0);
  b.write('ftyp', 4, 'latin1');
  b.write(brand, 8, 'latin1');
  return b;
}

const EBML = (docType: string) =>
  Buffer.concat([
    Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0xa3, 0x42, 0x86, 0x81, 0x01, 0x42, 0x82, 0x80 + docType.length]),
    Buffer.from(docType, 'latin1'),
  ]);

const DJI_SRT = [
  '1',
  '00:00:00,000 --> 00:00:00,033',
  '<font size="28">FrameCnt: 1, DiffTime: 33ms',
  '2026-03-01 08:00:00.000',
  '[iso: 100] [shutter: 1/500.0] [fnum: 2.8] [ev: 0] [latitude: 30.274100] [longitude: 120.155100] [rel_alt: 50.000 abs_alt: 84.200] </font>',
  '',
  '2',
  '00:00:00,033 --> 00:00:00,067',
  '<font size="28">FrameCnt: 2, DiffTime: 34ms',
  '2026-03-01 08:00:00.033',
  '[iso: 100] [shutter: 1/500.0] [fnum: 2.8] [ev: 0] [latitude: 30.274101] [longitude: 120.155101] [rel_alt: 50.000 abs_alt: 84.200] </font>',
  '',
].join('\n');

describe('video sniffing', () => {
  it('knows MP4 and MOV by their ftyp box, Matroska and WebM by the EBML DocType', () => {
    expect(sniffVideo(ftyp('isom'))).toEqual({ ok: true, format: 'mp4' });
    expect(sniffVideo(ftyp('mp42'))).toEqual({ ok: true, format: 'mp4' });
    expect(sniffVideo(ftyp('qt  '))).toEqual({ ok: true, format: 'mov' });
    expect(sniffVideo(EBML('matroska'))).toEqual({ ok: true, format: 'matroska' });
    expect(sniffVideo(EBML('webm'))).toEqual({ ok: true, format: 'webm' });
  });

  it('refuses stills, audio and everything else, whatever the name says', () => {
    for (const head of [
      ftyp('heic'),
      ftyp('avif'),
      ftyp('M4A '),
      EBML('other'),
      Buffer.from('\x89PNG\r\n\x1a\n0000000000000000', 'latin1'),
      Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0, 0, 0, 0, 0, 0, 0]),
      Buffer.from('#!/bin/sh\nrm -rf /\n'),
      Buffer.from('RIFF\0\0\0\0AVI LIST'),
      Buffer.alloc(0),
      Buffer.from('ftyp'),
    ]) {
      expect(sniffVideo(head).ok).toBe(false);
    }
  });
});

describe('telemetry sniffing', () => {
  it('accepts DJI flight subtitles, in UTF-8 with a BOM or UTF-16', () => {
    expect(sniffTelemetrySrt(Buffer.from(DJI_SRT))).toEqual({ ok: true });
    expect(sniffTelemetrySrt(Buffer.from(`\uFEFF${DJI_SRT}`))).toEqual({ ok: true });
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(DJI_SRT, 'utf16le')]);
    expect(sniffTelemetrySrt(utf16)).toEqual({ ok: true });
    // Cut mid-cue, as a sniffing window cuts a long file.
    expect(sniffTelemetrySrt(Buffer.from(DJI_SRT.slice(0, DJI_SRT.length - 40)))).toEqual({ ok: true });
  });

  it('refuses film subtitles, binaries and empty files', () => {
    const film =
      '1\n00:00:01,000 --> 00:00:03,000\nWhere are you going?\n\n2\n00:00:04,000 --> 00:00:05,000\nHome.\n';
    expect(sniffTelemetrySrt(Buffer.from(film)).ok).toBe(false);
    expect(sniffTelemetrySrt(Buffer.from([0, 1, 2, 3, 0, 0])).ok).toBe(false);
    expect(sniffTelemetrySrt(Buffer.alloc(0)).ok).toBe(false);
    expect(sniffTelemetrySrt(Buffer.from('just some text')).ok).toBe(false);
  });
});
