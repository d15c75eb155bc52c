/**
 * What an upload really is, from its first bytes rather than its name or declared type: a video
 * container we can decode (ISO-BMFF MP4/MOV, Matroska/WebM), and a DJI-style telemetry subtitle.
 */
import { decodeSrtBytes, parseDjiSrt } from '../video/telemetry/index.js';

export type VideoFormat = 'mp4' | 'mov' | 'matroska' | 'webm';

/** Enough for the ISO-BMFF `ftyp` box and the EBML header's DocType. */
export const VIDEO_SNIFF_BYTES = 64;
/** Enough for a good many telemetry cues. */
export const SRT_SNIFF_BYTES = 64 * 1024;

/** ISO-BMFF brands of stills, audio and raw photos: `ftyp`, but nothing to analyse. */
const NOT_VIDEO_BRANDS = new Set([
  'heic',
  'heix',
  'heim',
  'heis',
  'hevc',
  'hevx',
  'hevm',
  'hevs',
  'mif1',
  'msf1',
  'avif',
  'avis',
  'crx ',
  'M4A ',
  'M4B ',
  'M4P ',
  'jp2 ',
  'jpx ',
]);

const EBML_MAGIC = [0x1a, 0x45, 0xdf, 0xa3];

export type SniffResult = { ok: true; format: VideoFormat } | { ok: false; reason: string };

export function sniffVideo(head: Uint8Array): SniffResult {
  const buf = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (buf.length >= 12 && buf.toString('latin1', 4, 8) === 'ftyp') {
    const boxSize = buf.readUInt32BE(0);
    if (boxSize !== 0 && boxSize !== 1 && boxSize < 12) {
      return { ok: false, reason: 'the ftyp box is malformed' };
    }
    const brand = buf.toString('latin1', 8, 12);
    if (NOT_VIDEO_BRANDS.has(brand)) {
      return {
        ok: false,
        reason: `an ISO-BMFF file of brand '${brand.trim()}' is a still image or audio, not a video`,
      };
    }
    return { ok: true, format: brand === 'qt  ' ? 'mov' : 'mp4' };
  }
  if (buf.length >= 4 && EBML_MAGIC.every((b, i) => buf[i] === b)) {
    // The DocType element (0x42 0x82, size, text) sits in the EBML header, within the first bytes.
    const text = buf.toString('latin1');
    if (text.includes('matroska')) return { ok: true, format: 'matroska' };
    if (text.includes('webm')) return { ok: true, format: 'webm' };
    return { ok: false, reason: 'an EBML file that is neither Matroska nor WebM' };
  }
  return {
    ok: false,
    reason: 'not an MP4/MOV (ISO-BMFF ftyp) or Matroska/WebM (EBML) video',
  };
}

/** True for text encodings in which NUL bytes are normal (a BOM says UTF-16). */
export function isUtf16(head: Uint8Array): boolean {
  return (head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff);
}

/**
 * Whether the start of a subtitle file reads as DJI flight telemetry: SubRip cues whose text
 * carries flight fields (position, frame counter, camera settings, height), not film dialogue.
 */
export function sniffTelemetrySrt(head: Uint8Array): { ok: true } | { ok: false; reason: string } {
  if (head.length === 0) return { ok: false, reason: 'the subtitle file is empty' };
  if (!isUtf16(head) && head.includes(0)) {
    return { ok: false, reason: 'the subtitle file is binary, not text' };
  }
  let track;
  try {
    track = parseDjiSrt(decodeSrtBytes(head), { source: 'srt' });
  } catch {
    return { ok: false, reason: 'not a SubRip subtitle file (no "HH:MM:SS,mmm --> HH:MM:SS,mmm" cue)' };
  }
  const flightLike = track.records.some(
    (r) =>
      r.lat !== undefined ||
      r.frame !== undefined ||
      r.iso !== undefined ||
      r.height !== undefined ||
      r.relAlt !== undefined ||
      r.home !== undefined,
  );
  return flightLike
    ? { ok: true }
    : { ok: false, reason: 'the subtitles carry no DJI telemetry (position, FrameCnt, ISO, height)' };
}
