/**
 * Writes EXIF capture times into a JPEG by splicing an APP1 segment after SOI: a minimal TIFF
 * structure with IFD0 → Exif IFD → DateTimeOriginal (+ SubSecTimeOriginal, OffsetTimeOriginal).
 */

interface AsciiTag {
  tag: number;
  value: string;
}

function tiffWithExif(tags: AsciiTag[], littleEndian: boolean): Uint8Array {
  const values = tags.map((t) => new TextEncoder().encode(`${t.value}\0`));
  const ifd0Offset = 8;
  const ifd0Size = 2 + 12 + 4;
  const exifOffset = ifd0Offset + ifd0Size;
  const exifSize = 2 + 12 * tags.length + 4;
  let dataOffset = exifOffset + exifSize;
  const total = dataOffset + values.reduce((s, v) => s + (v.length > 4 ? v.length : 0), 0);
  const buf = new Uint8Array(total);
  const view = new DataView(buf.buffer);
  const le = littleEndian;
  buf.set(le ? [0x49, 0x49] : [0x4d, 0x4d], 0);
  view.setUint16(2, 42, le);
  view.setUint32(4, ifd0Offset, le);
  view.setUint16(ifd0Offset, 1, le);
  view.setUint16(ifd0Offset + 2, 0x8769, le);
  view.setUint16(ifd0Offset + 4, 4, le);
  view.setUint32(ifd0Offset + 6, 1, le);
  view.setUint32(ifd0Offset + 10, exifOffset, le);
  view.setUint32(ifd0Offset + 14, 0, le);
  const sorted = tags.map((t, i) => ({ ...t, bytes: values[i]! })).sort((a, b) => a.tag - b.tag);
  view.setUint16(exifOffset, sorted.length, le);
  sorted.forEach((t, i) => {
    const e = exifOffset + 2 + i * 12;
    view.setUint16(e, t.tag, le);
    view.setUint16(e + 2, 2, le);
    view.setUint32(e + 4, t.bytes.length, le);
    if (t.bytes.length <= 4) {
      buf.set(t.bytes, e + 8);
    } else {
      view.setUint32(e + 8, dataOffset, le);
      buf.set(t.bytes, dataOffset);
      dataOffset += t.bytes.length;
    }
  });
  view.setUint32(exifOffset + 2 + sorted.length * 12, 0, le);
  return buf;
}

export interface ExifTimes {
  /** `YYYY:MM:DD HH:MM:SS` */
  dateTimeOriginal: string;
  subSec?: string;
  offset?: string;
  bigEndian?: boolean;
}

export function withExifTimes(jpeg: Uint8Array, t: ExifTimes): Buffer {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error('not a JPEG');
  const tags: AsciiTag[] = [{ tag: 0x9003, value: t.dateTimeOriginal }];
  if (t.subSec !== undefined) tags.push({ tag: 0x9291, value: t.subSec });
  if (t.offset !== undefined) tags.push({ tag: 0x9011, value: t.offset });
  const tiff = tiffWithExif(tags, !t.bigEndian);
  const payload = new Uint8Array(6 + tiff.length);
  payload.set(new TextEncoder().encode('Exif\0\0'), 0);
  payload.set(tiff, 6);
  const length = payload.length + 2;
  const segment = new Uint8Array([0xff, 0xe1, length >> 8, length & 0xff]);
  return Buffer.concat([jpeg.subarray(0, 2), segment, payload, jpeg.subarray(2)]);
}
