/**
 * The only module that touches sharp (and, later, ffmpeg). Everything else works on RawImage
 * buffers, so services stay testable without native pixel libraries.
 */
import sharp, { type Sharp } from 'sharp';
import { MediaError, errorMessage } from '../common/errors.js';

/** Packed 8-bit RGB pixels, row-major, no padding. */
export interface RawImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

export interface MediaRepositoryOptions {
  /** libvips worker threads per operation; sized with ORT threads so they don't fight. */
  concurrency?: number;
}

let configured = false;

/** Sets sharp's thread pool once per process. Safe to call repeatedly. */
export function configureMedia(opts: MediaRepositoryOptions = {}): void {
  if (configured && opts.concurrency === undefined) return;
  sharp.concurrency(opts.concurrency ?? 1);
  sharp.cache(false);
  configured = true;
}

function ensureConfigured(): void {
  if (!configured) configureMedia();
}

/** Decodes a JPEG/PNG/WebP/TIFF buffer to RGB, applying EXIF orientation. */
export async function decodeImage(input: Buffer | Uint8Array, what = 'image'): Promise<RawImage> {
  ensureConfigured();
  try {
    const { data, info } = await sharp(input, { failOn: 'truncated' })
      .rotate()
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`expected 3 channels, got ${info.channels}`);
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
    };
  } catch (err) {
    throw new MediaError(`cannot decode ${what}: ${cleanSharpMessage(err)}`, { cause: err });
  }
}

function cleanSharpMessage(err: unknown): string {
  const msg = errorMessage(err).split('\n')[0] ?? '';
  if (/unsupported image format/i.test(msg)) return 'not a supported image (JPEG, PNG, WebP, TIFF)';
  if (/premature end|truncated|VipsJpeg/i.test(msg)) return `truncated or corrupt image data (${msg})`;
  return msg;
}

function rawInput(img: RawImage): Sharp {
  ensureConfigured();
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } });
}

/** Resizes RGB pixels to exactly width × height (aspect handled by the caller). */
export async function resizeRaw(img: RawImage, width: number, height: number): Promise<RawImage> {
  if (img.width === width && img.height === height) return img;
  const data = await rawInput(img).resize(width, height, { fit: 'fill', kernel: 'linear' }).raw().toBuffer();
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width, height };
}

export async function encodePng(img: RawImage): Promise<Buffer> {
  return rawInput(img).png({ compressionLevel: 6 }).toBuffer();
}

export async function encodeJpeg(img: RawImage, quality = 90): Promise<Buffer> {
  return rawInput(img).jpeg({ quality, chromaSubsampling: '4:2:0' }).toBuffer();
}

/** Composites an SVG drawing (same size as the image) over it and encodes the result. */
export async function overlaySvg(img: RawImage, svg: string, format: 'png' | 'jpeg'): Promise<Buffer> {
  const pipeline = rawInput(img).composite([{ input: Buffer.from(svg), top: 0, left: 0 }]);
  return format === 'png' ? pipeline.png().toBuffer() : pipeline.jpeg({ quality: 90 }).toBuffer();
}

/** Encodes one 8-bit channel (a class-index mask, say) as a greyscale PNG. */
export async function encodeGreyPng(data: Uint8Array, width: number, height: number): Promise<Buffer> {
  ensureConfigured();
  return sharp(data, { raw: { width, height, channels: 1 } })
    .png({ compressionLevel: 6 })
    .toBuffer();
}

/** Decodes a greyscale PNG (a class-index mask) to one byte per pixel. */
export async function decodeGreyPng(
  input: Buffer,
): Promise<{ data: Uint8Array; width: number; height: number }> {
  ensureConfigured();
  const { data, info } = await sharp(input).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
  };
}
