/**
 * Capture time from EXIF, read straight from the file's first bytes: a JPEG's APP1 `Exif` block
 * or a TIFF header. Only the few tags that order drone photos are parsed; anything malformed
 * reads as "no time" rather than an error, because the fallback (file name order) is fine.
 */

export interface ExifCaptureTime {
  /** As written, `YYYY:MM:DD HH:MM:SS`, plus sub-seconds when the camera wrote them. */
  text: string;
  /** `YYYY-MM-DDTHH:MM:SS[.fff]`, no zone unless OffsetTimeOriginal was written (then with it). */
  iso: string;
  /** Milliseconds for ordering: the written clock read as UTC, shifted by the offset when known. */
  sortMs: number;
}

const TAG_EXIF_IFD = 0x8769;
const TAG_DATETIME_ORIGINAL = 0x9003;
const TAG_DATETIME_DIGITIZED = 0x9004;
const TAG_OFFSET_TIME_ORIGINAL = 0x9011;
const TAG_SUBSEC_ORIGINAL = 0x9291;
const TYPE_ASCII = 2;
const TYPE_LONG = 4;

/** The TIFF-structured EXIF payload of a JPEG (after `Exif\0\0`), or the bytes themselves for a TIFF. */
export function findExifTiff(bytes: Uint8Array): Uint8Array | undefined {
  if (bytes.length >= 4 && isTiffHeader(bytes)) return bytes;
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let p = 2;
  while (p + 4 <= bytes.length) {
    if (bytes[p] !== 0xff) return undefined;
    const marker = bytes[p + 1]!;
    if (marker === 0xff) {
      p++; // fill byte
      continue;
    }
    // Start of scan or end of image: EXIF, when present, comes before either.
    if (marker === 0xda || marker === 0xd9) return undefined;
    const length = (bytes[p + 2]! << 8) | bytes[p + 3]!;
    const start = p + 4;
    const end = p + 2 + length;
    if (length < 2 || end > bytes.length) return undefined;
    if (marker === 0xe1 && end - start > 6 && ascii(bytes, start, 6) === 'Exif\0\0') {
      return bytes.subarray(start + 6, end);
    }
    p = end;
  }
  return undefined;
}

function isTiffHeader(b: Uint8Array): boolean {
  return (
    (b[0] === 0x49 && b[1] === 0x49 && b[2] === 42 && b[3] === 0) ||
    (b[0] === 0x4d && b[1] === 0x4d && b[2] === 0 && b[3] === 42)
  );
}

function ascii(b: Uint8Array, start: number, length: number): string {
  let s = '';
  for (let i = start; i < start + length && i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}

interface IfdEntry {
  type: number;
  count: number;
  /** Offset of the value: inline in the entry when it fits in 4 bytes. */
  valueOffset: number;
}

class TiffReader {
  private readonly view: DataView;
  private readonly little: boolean;

  constructor(private readonly b: Uint8Array) {
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    this.little = b[0] === 0x49;
  }

  u16(o: number): number | undefined {
    return o >= 0 && o + 2 <= this.b.length ? this.view.getUint16(o, this.little) : undefined;
  }

  u32(o: number): number | undefined {
    return o >= 0 && o + 4 <= this.b.length ? this.view.getUint32(o, this.little) : undefined;
  }

  ifd(offset: number): Map<number, IfdEntry> {
    const entries = new Map<number, IfdEntry>();
    const n = this.u16(offset);
    if (n === undefined || n > 1000) return entries;
    for (let i = 0; i < n; i++) {
      const e = offset + 2 + i * 12;
      const tag = this.u16(e);
      const type = this.u16(e + 2);
      const count = this.u32(e + 4);
      if (tag === undefined || type === undefined || count === undefined) break;
      const size = type === TYPE_ASCII ? count : type === TYPE_LONG ? count * 4 : 0;
      const valueOffset = size <= 4 ? e + 8 : (this.u32(e + 8) ?? -1);
      entries.set(tag, { type, count, valueOffset });
    }
    return entries;
  }

  text(entry: IfdEntry | undefined): string | undefined {
    if (!entry || entry.type !== TYPE_ASCII || entry.valueOffset < 0) return undefined;
    if (entry.valueOffset + entry.count > this.b.length) return undefined;
    return ascii(this.b, entry.valueOffset, entry.count).replace(/\0.*$/s, '').trim() || undefined;
  }

  long(entry: IfdEntry | undefined): number | undefined {
    return entry && entry.type === TYPE_LONG ? this.u32(entry.valueOffset) : undefined;
  }
}

function parseOffset(text: string | undefined): number | undefined {
  const m = text ? /^([+-])(\d{2}):(\d{2})$/.exec(text) : null;
  if (!m) return undefined;
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -minutes : minutes;
}

/** DateTimeOriginal (else DateTimeDigitized) with sub-seconds and offset when present. */
export function readExifCaptureTime(tiff: Uint8Array): ExifCaptureTime | undefined {
  if (tiff.length < 8 || !isTiffHeader(tiff)) return undefined;
  const r = new TiffReader(tiff);
  const ifd0 = r.ifd(r.u32(4) ?? -1);
  const exifOffset = r.long(ifd0.get(TAG_EXIF_IFD));
  if (exifOffset === undefined) return undefined;
  const exif = r.ifd(exifOffset);
  const written = r.text(exif.get(TAG_DATETIME_ORIGINAL)) ?? r.text(exif.get(TAG_DATETIME_DIGITIZED));
  const m = written ? /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(written) : null;
  if (!written || !m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const subsec = r.text(exif.get(TAG_SUBSEC_ORIGINAL));
  const fraction = subsec && /^\d+$/.test(subsec) ? Number(`0.${subsec}`) : 0;
  const offsetText = r.text(exif.get(TAG_OFFSET_TIME_ORIGINAL));
  const offsetMin = parseOffset(offsetText);
  const naiveMs = Date.UTC(y, mo - 1, d, h, mi, s) + Math.round(fraction * 1000);
  if (!Number.isFinite(naiveMs) || y < 1970) return undefined;
  const pad = (v: number, n = 2) => String(v).padStart(n, '0');
  const ms = Math.round(fraction * 1000);
  const iso =
    `${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}` +
    (ms ? `.${pad(ms, 3)}` : '') +
    (offsetMin !== undefined && offsetText ? offsetText : '');
  return {
    text: subsec ? `${written}.${subsec}` : written,
    iso,
    sortMs: naiveMs - (offsetMin ?? 0) * 60_000,
  };
}
