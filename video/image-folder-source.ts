/**
 * A folder of still images (a drone's interval photos) as a frame source, in capture order:
 * by EXIF DateTimeOriginal when every image has one, else by file name (numbers compared as
 * numbers, so DJI_0010 follows DJI_0009). Images are decoded one at a time, on demand.
 */
import { open, readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { InvalidInputError, MediaError, errorMessage } from '../common/errors.js';
import { decodeImage, resizeRaw } from '../repositories/media-repository.js';
import { findExifTiff, readExifCaptureTime, type ExifCaptureTime } from './exif-datetime.js';
import type { FrameSource, VideoFrame } from './frame-types.js';

export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.tif', '.tiff', '.webp'];

/** EXIF sits in the first segments of a JPEG; 256 KiB covers it with room for big maker notes. */
const EXIF_READ_BYTES = 256 * 1024;

export interface ImageFolderOptions {
  /** Output size; give one side to keep each image's aspect ratio. */
  width?: number;
  height?: number;
  extensions?: string[];
}

export interface ImageEntry {
  path: string;
  name: string;
  capturedAt?: ExifCaptureTime;
}

export interface ImageFrame extends VideoFrame {
  path: string;
  /** EXIF capture time as written (no zone unless the camera wrote one). */
  capturedAt?: string;
}

export type ImageOrder = 'exif-time' | 'name';

async function readHead(path: string): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const buf = new Uint8Array(EXIF_READ_BYTES);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

const byName = (a: ImageEntry, b: ImageEntry) =>
  a.name.localeCompare(b.name, 'en', { numeric: true, sensitivity: 'base' }) || (a.name < b.name ? -1 : 1);

/** Orders entries: by capture time (ties by name) when all have one, else by name. */
export function orderImages(entries: readonly ImageEntry[]): { order: ImageOrder; entries: ImageEntry[] } {
  const all = entries.length > 0 && entries.every((e) => e.capturedAt);
  const sorted = [...entries].sort(
    all ? (a, b) => a.capturedAt!.sortMs - b.capturedAt!.sortMs || byName(a, b) : byName,
  );
  return { order: all ? 'exif-time' : 'name', entries: sorted };
}

export class ImageFolderSource implements FrameSource<ImageFrame> {
  private closed = false;

  private constructor(
    readonly dir: string,
    readonly order: ImageOrder,
    readonly entries: readonly ImageEntry[],
    readonly warnings: readonly string[],
    private readonly opts: ImageFolderOptions,
  ) {}

  /** Lists and orders the folder (reading only each file's header); decoding happens on iteration. */
  static async open(dir: string, opts: ImageFolderOptions = {}): Promise<ImageFolderSource> {
    for (const key of ['width', 'height'] as const) {
      const v = opts[key];
      if (v !== undefined && !(Number.isInteger(v) && v > 0))
        throw new InvalidInputError(`${key} must be a positive integer`);
    }
    const extensions = new Set((opts.extensions ?? IMAGE_EXTENSIONS).map((e) => e.toLowerCase()));
    let names: string[];
    try {
      const dirents = await readdir(dir, { withFileTypes: true });
      names = dirents
        .filter((d) => d.isFile() && extensions.has(extname(d.name).toLowerCase()))
        .map((d) => d.name);
    } catch (err) {
      throw new MediaError(`cannot read image folder ${dir}: ${errorMessage(err)}`, { cause: err });
    }
    if (names.length === 0) {
      throw new MediaError(`no images in ${dir} (looked for ${[...extensions].join(', ')})`);
    }
    const entries: ImageEntry[] = await Promise.all(
      names.map(async (name) => {
        const path = join(dir, name);
        const tiff = findExifTiff(await readHead(path));
        const capturedAt = tiff ? readExifCaptureTime(tiff) : undefined;
        return capturedAt ? { path, name, capturedAt } : { path, name };
      }),
    );
    const { order, entries: sorted } = orderImages(entries);
    const missing = entries.filter((e) => !e.capturedAt).length;
    const warnings =
      missing > 0 && missing < entries.length
        ? [`${missing} of ${entries.length} images in ${dir} have no EXIF capture time: ordered by file name`]
        : [];
    return new ImageFolderSource(dir, order, sorted, warnings, opts);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<ImageFrame, void, undefined> {
    const first = this.entries[0]?.capturedAt?.sortMs;
    for (const [index, entry] of this.entries.entries()) {
      if (this.closed) return;
      let bytes: Buffer;
      try {
        bytes = await readFile(entry.path);
      } catch (err) {
        throw new MediaError(`cannot read image ${entry.path}: ${errorMessage(err)}`, { cause: err });
      }
      let image = await decodeImage(bytes, entry.path);
      const size = this.outputSize(image.width, image.height);
      if (size) image = await resizeRaw(image, size.width, size.height);
      // Without capture times the ordinal stands in for seconds: one image per second.
      const ptsS =
        this.order === 'exif-time' && first !== undefined ? (entry.capturedAt!.sortMs - first) / 1000 : index;
      const frame: ImageFrame = { image, ptsS, index, path: entry.path };
      if (entry.capturedAt) frame.capturedAt = entry.capturedAt.iso;
      yield frame;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private outputSize(w: number, h: number): { width: number; height: number } | undefined {
    const { width, height } = this.opts;
    if (width === undefined && height === undefined) return undefined;
    return {
      width: width ?? Math.max(1, Math.round((w * height!) / h)),
      height: height ?? Math.max(1, Math.round((h * width!) / w)),
    };
  }
}
