/**
 * Typed media facts from ffprobe's loose records, and the checks that turn "ffprobe read it" into
 * "we can decode video from it": a video stream exists, it is not a still image, it has a size.
 */
import { stat } from 'node:fs/promises';
import { MediaError, errorMessage } from '../common/errors.js';
import {
  probeMedia,
  redactInput,
  type MediaLogger,
  type RawProbe,
} from '../repositories/ffmpeg-repository.js';

export interface VideoStreamInfo {
  /** ffprobe's stream index (across all stream types). */
  index: number;
  codec: string;
  codecLongName?: string;
  profile?: string;
  pixelFormat?: string;
  /** Coded size as stored. */
  width: number;
  height: number;
  /** Size of decoded frames: ffmpeg applies the rotation, so 90/270 swap width and height. */
  displayWidth: number;
  displayHeight: number;
  /** Clockwise degrees the stored picture is turned to display it upright: 0, 90, 180 or 270. */
  rotation: 0 | 90 | 180 | 270;
  /** Average frame rate (frames per second); null when the container does not say. */
  frameRate: number | null;
  /** The rate as ffprobe wrote it, e.g. `30000/1001`. */
  frameRateText?: string;
  /** From the container header, or counted when probed with countFrames. */
  frameCount?: number;
  durationS?: number;
  bitRate?: number;
}

export interface SubtitleTrackInfo {
  index: number;
  codec: string;
  /** Text subtitles (SRT, mov_text, ASS, WebVTT) can be converted to SRT; bitmap ones cannot. */
  isText: boolean;
  language?: string;
  title?: string;
}

export interface DataTrackInfo {
  index: number;
  codec?: string;
  /** e.g. `djmd` for DJI's binary metadata track. */
  codecTag?: string;
  handler?: string;
}

export interface MediaInfo {
  path: string;
  /** ffprobe's demuxer name(s), e.g. `mov,mp4,m4a,3gp,3g2,mj2` or `matroska,webm`. */
  container: string;
  containerLongName?: string;
  /** Seconds; null when neither the container nor the stream says. */
  durationS: number | null;
  /** Container start time; frame timestamps are reported relative to it. */
  startTimeS: number;
  sizeBytes?: number;
  bitRate?: number;
  video: VideoStreamInfo;
  videoStreamCount: number;
  audioStreamCount: number;
  subtitleTracks: SubtitleTrackInfo[];
  dataTracks: DataTrackInfo[];
}

export interface ProbeVideoOptions {
  countFrames?: boolean;
  logger?: MediaLogger;
}

const TEXT_SUBTITLE_CODECS = new Set(['subrip', 'srt', 'mov_text', 'ass', 'ssa', 'webvtt', 'text']);
const STILL_IMAGE_FORMATS = /^(image2|.*_pipe|gif|apng|webp_pipe)$/;

function num(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' && v !== 'N/A' && v !== 'unknown' ? v : undefined;
}

function tags(s: Record<string, unknown>): Record<string, unknown> {
  const t = s.tags;
  return t && typeof t === 'object' ? (t as Record<string, unknown>) : {};
}

/** `30000/1001` → 29.97; `0/0` (unknown) → undefined. */
export function parseRate(text: unknown): number | undefined {
  if (typeof text === 'number') return text > 0 ? text : undefined;
  if (typeof text !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)(?:\/(\d+(?:\.\d+)?))?$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const d = m[2] === undefined ? 1 : Number(m[2]);
  return n > 0 && d > 0 ? n / d : undefined;
}

/**
 * The display matrix's `rotation` (counter-clockwise, as ffprobe prints it) or the legacy
 * `rotate` tag (clockwise), as clockwise quarter turns.
 */
function rotationOf(s: Record<string, unknown>): 0 | 90 | 180 | 270 {
  const matrix = num(s.rotation);
  const tag = num(tags(s).rotate);
  const clockwise = matrix !== undefined ? -matrix : (tag ?? 0);
  const quarter = (((Math.round(clockwise / 90) * 90) % 360) + 360) % 360;
  return quarter as 0 | 90 | 180 | 270;
}

function isAttachedPicture(s: Record<string, unknown>): boolean {
  const d = s.disposition;
  return !!d && typeof d === 'object' && num((d as Record<string, unknown>).attached_pic) === 1;
}

function videoInfo(s: Record<string, unknown>, what: string): VideoStreamInfo {
  const width = num(s.width) ?? 0;
  const height = num(s.height) ?? 0;
  const codec = str(s.codec_name);
  if (!codec)
    throw new MediaError(
      `cannot read ${what}: video stream ${num(s.index)} has a codec ffmpeg cannot decode`,
    );
  if (width <= 0 || height <= 0) {
    throw new MediaError(`cannot read ${what}: video stream has no frame size (corrupt header?)`);
  }
  const rotation = rotationOf(s);
  const turned = rotation === 90 || rotation === 270;
  const rate = parseRate(s.avg_frame_rate) ?? parseRate(s.r_frame_rate);
  const rateText = parseRate(s.avg_frame_rate) ? s.avg_frame_rate : s.r_frame_rate;
  const out: VideoStreamInfo = {
    index: num(s.index) ?? 0,
    codec,
    width,
    height,
    displayWidth: turned ? height : width,
    displayHeight: turned ? width : height,
    rotation,
    frameRate: rate ?? null,
  };
  const optional: Partial<VideoStreamInfo> = {
    codecLongName: str(s.codec_long_name),
    profile: s.profile === undefined ? undefined : String(s.profile),
    pixelFormat: str(s.pix_fmt),
    frameRateText: typeof rateText === 'string' ? rateText : undefined,
    frameCount: num(s.nb_read_frames) ?? num(s.nb_frames),
    durationS: num(s.duration),
    bitRate: num(s.bit_rate),
  };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) Object.assign(out, { [k]: v });
  return out;
}

/** Validates a raw probe and types it; the error names the file and says what is wrong. */
export function mediaInfoFromProbe(path: string, raw: RawProbe): MediaInfo {
  const what = redactInput(path);
  const container = str(raw.format.format_name) ?? 'unknown';
  const byType = (type: string) => raw.streams.filter((s) => s.codec_type === type);
  const videos = byType('video').filter((s) => !isAttachedPicture(s));
  if (videos.length === 0) {
    const kinds = [...new Set(raw.streams.map((s) => String(s.codec_type ?? 'unknown')))];
    throw new MediaError(
      `cannot read ${what}: no video stream (${kinds.length ? `found ${kinds.join(', ')}` : 'no streams at all'})`,
    );
  }
  const first = videos[0]!;
  if (STILL_IMAGE_FORMATS.test(container)) {
    throw new MediaError(
      `cannot read ${what}: a still image (${str(first.codec_name) ?? container}), not a video`,
    );
  }
  const video = videoInfo(first, what);
  const durationS = num(raw.format.duration) ?? video.durationS ?? null;
  const info: MediaInfo = {
    path,
    container,
    durationS,
    startTimeS: num(raw.format.start_time) ?? 0,
    video,
    videoStreamCount: videos.length,
    audioStreamCount: byType('audio').length,
    subtitleTracks: byType('subtitle').map((s) => {
      const codec = str(s.codec_name) ?? 'unknown';
      const track: SubtitleTrackInfo = {
        index: num(s.index) ?? 0,
        codec,
        isText: TEXT_SUBTITLE_CODECS.has(codec),
      };
      const language = str(tags(s).language);
      const title = str(tags(s).title);
      if (language) track.language = language;
      if (title) track.title = title;
      return track;
    }),
    dataTracks: byType('data').map((s) => {
      const track: DataTrackInfo = { index: num(s.index) ?? 0 };
      const codec = str(s.codec_name);
      const codecTag = str(s.codec_tag_string);
      const handler = str(tags(s).handler_name);
      if (codec) track.codec = codec;
      if (codecTag) track.codecTag = codecTag;
      if (handler) track.handler = handler;
      return track;
    }),
  };
  const longName = str(raw.format.format_long_name);
  const size = num(raw.format.size);
  const bitRate = num(raw.format.bit_rate);
  if (longName) info.containerLongName = longName;
  if (size !== undefined) info.sizeBytes = size;
  if (bitRate !== undefined) info.bitRate = bitRate;
  return info;
}

/** Probes a video file or URL: MediaError for missing, unreadable, corrupt or video-less input. */
export async function probeVideo(path: string, opts: ProbeVideoOptions = {}): Promise<MediaInfo> {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    let isFile: boolean;
    try {
      isFile = (await stat(path)).isFile();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      const reason =
        code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : errorMessage(err);
      throw new MediaError(`cannot read ${path}: ${reason}`, { cause: err });
    }
    if (!isFile) throw new MediaError(`cannot read ${path}: not a regular file`);
  }
  return mediaInfoFromProbe(path, await probeMedia(path, opts));
}
