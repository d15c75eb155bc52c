/**
 * Stage 1: look at a video file once and decide how to analyse it — probe, telemetry (sidecar SRT
 * or the video's subtitle track), wall clock, decode size and the segments that can be analysed
 * in parallel. The plan is plain data: every later stage, in-process or on a worker, reads it.
 */
import { stat } from 'node:fs/promises';
import { InvalidInputError, errorMessage } from '../common/errors.js';
import { probeVideo, type MediaInfo } from '../video/probe.js';
import { splitIntoSegments } from '../video/segments.js';
import { readDjiSrtFile, type TelemetryTrack } from '../video/telemetry/index.js';
import { readTelemetryFromVideo } from '../video/video-telemetry.js';
import type { SourceConfig } from '../violations/config/source-config.js';
import { DEFAULT_FOCAL_35MM, poseGaps, thinTelemetry } from './drone-pose.js';
import {
  silentPipelineLogger,
  type PipelineLogger,
  type PlanTelemetry,
  type ProgressCallback,
  type VideoPlan,
  type WallClockBasis,
} from './pipeline-types.js';
import { localTimeToEpochMs, parseWallClock } from './wall-clock.js';

export const DEFAULT_SAMPLE_FPS = 1;
/** Decoding wider than this buys nothing: the detector letterboxes to ~416 px, tiles aside. */
export const DEFAULT_MAX_WIDTH = 1280;
export const DEFAULT_SEGMENT_SECONDS = 300;

export interface PlanVideoInput {
  video: string;
  source: SourceConfig;
  /** Sidecar DJI .SRT; without it a drone video's own subtitle track is tried. */
  srt?: string;
  /** Frames analysed per second (default 1). A sparser video is analysed frame by frame. */
  sampleFps?: number;
  /** Decode at most this wide (default 1280); the aspect ratio is kept. */
  maxWidth?: number;
  /** Wall clock of the video's start: epoch ms, ISO with zone, or local time in the source's zone. */
  startWallClock?: string | number;
  /** Target segment length in seconds (default 300); `segmentCount` wins when given. */
  segmentSeconds?: number;
  segmentCount?: number;
  /** Drone lens, 35 mm equivalent, for telemetry without `focal_len` (default 24). */
  focal35mm?: number;
}

export interface PlanVideoDeps {
  logger?: PipelineLogger;
  onProgress?: ProgressCallback;
  probe?: (path: string) => Promise<MediaInfo>;
  readSidecarTelemetry?: (path: string) => Promise<TelemetryTrack>;
  readEmbeddedTelemetry?: (path: string) => Promise<TelemetryTrack>;
}

function positive(name: string, v: number | undefined): void {
  if (v !== undefined && !(Number.isFinite(v) && v > 0)) {
    throw new InvalidInputError(`${name} must be a positive number, got ${v}`);
  }
}

function decodeSize(info: MediaInfo, maxWidth: number): { width: number; height: number } {
  const { displayWidth: w, displayHeight: h } = info.video;
  if (w <= maxWidth) return { width: w, height: h };
  // Even sizes: yuv420p scaling rounds odd sizes anyway, and boxes must match what was decoded.
  const width = Math.max(2, Math.round(maxWidth / 2) * 2);
  return { width, height: Math.max(2, Math.round((width * h) / w / 2) * 2) };
}

async function loadTelemetry(
  input: PlanVideoInput,
  info: MediaInfo,
  deps: PlanVideoDeps,
  warnings: string[],
): Promise<{ track: TelemetryTrack; source: string } | null> {
  if (input.srt) {
    const read = deps.readSidecarTelemetry ?? readDjiSrtFile;
    return { track: await read(input.srt), source: input.srt };
  }
  if (input.source.kind !== 'drone') return null;
  if (!info.subtitleTracks.some((t) => t.isText)) {
    warnings.push(
      'drone video without telemetry (no --srt and no text subtitle track): ground positions and soil areas cannot be measured',
    );
    return null;
  }
  const read = deps.readEmbeddedTelemetry ?? ((p: string) => readTelemetryFromVideo(p));
  try {
    return { track: await read(input.video), source: `${input.video} (subtitle track)` };
  } catch (err) {
    warnings.push(`could not read the video's telemetry track: ${errorMessage(err)}`);
    return null;
  }
}

async function startWallClock(
  input: PlanVideoInput,
  info: MediaInfo,
  telemetry: TelemetryTrack | undefined,
  warnings: string[],
): Promise<{ ms: number; basis: WallClockBasis }> {
  const tz = input.source.timezone;
  if (input.startWallClock !== undefined) {
    return { ms: parseWallClock(input.startWallClock, tz), basis: 'option' };
  }
  const timed = telemetry?.records.find((r) => r.time !== undefined);
  if (timed?.time) {
    const at = localTimeToEpochMs(timed.time, tz);
    if (at !== null) return { ms: at - timed.t * 1000, basis: 'telemetry' };
  }
  // A recording usually ends when its file is last written; wrong for copies, hence the warning.
  const mtime = (await stat(input.video)).mtimeMs;
  const ms = Math.round(mtime - (info.durationS ?? 0) * 1000);
  warnings.push(
    `no start time given: assuming the recording ended when the file was last modified (${new Date(ms).toISOString()} start); enforcement schedules depend on it`,
  );
  return { ms, basis: 'file-time' };
}

export async function planVideo(input: PlanVideoInput, deps: PlanVideoDeps = {}): Promise<VideoPlan> {
  const logger = deps.logger ?? silentPipelineLogger;
  positive('sampleFps', input.sampleFps);
  positive('maxWidth', input.maxWidth);
  positive('segmentSeconds', input.segmentSeconds);
  positive('focal35mm', input.focal35mm);
  if (
    input.segmentCount !== undefined &&
    !(Number.isInteger(input.segmentCount) && input.segmentCount >= 1)
  ) {
    throw new InvalidInputError(`segmentCount must be a positive integer, got ${input.segmentCount}`);
  }
  deps.onProgress?.({ stage: 'plan', done: 0, total: 1 });
  const info = await (deps.probe ?? ((p: string) => probeVideo(p, { logger })))(input.video);
  const warnings: string[] = [];
  const telemetry = await loadTelemetry(input, info, deps, warnings);

  const requested = input.sampleFps ?? DEFAULT_SAMPLE_FPS;
  // Resampling a sparse (time-lapse, variable-rate) video up would only repeat frames, and the
  // fps filter drops a sparse video's last frame. The average rate of n frames over the span of
  // the first n − 1 reads a little high, hence the slack.
  const rate = info.video.frameRate;
  const sampleFps = rate !== null && rate <= requested * 1.1 ? null : requested;

  let planTelemetry: PlanTelemetry | null = null;
  if (telemetry) {
    const t = telemetry.track;
    const gaps = poseGaps(t.records);
    if (gaps.length) warnings.push(`telemetry from ${telemetry.source}: ${gaps.join(', ')}`);
    warnings.push(...t.warnings.map((w) => `telemetry: ${w}`));
    planTelemetry = {
      source: telemetry.source,
      format: t.format,
      records: thinTelemetry(t.records, 1 / (4 * (sampleFps ?? rate ?? 30))),
      warnings: t.warnings,
    };
  }
  const clock = await startWallClock(input, info, telemetry?.track, warnings);
  const { width, height } = decodeSize(info, input.maxWidth ?? DEFAULT_MAX_WIDTH);
  const duration = info.durationS;
  const segments =
    duration === null || duration <= 0
      ? // The last segment is open-ended, so its endS is never read.
        [{ index: 0, startS: 0, endS: 0, isLast: true }]
      : splitIntoSegments(
          duration,
          input.segmentCount ??
            Math.max(1, Math.ceil(duration / (input.segmentSeconds ?? DEFAULT_SEGMENT_SECONDS))),
        );
  if (duration === null) warnings.push('the video does not state its duration: analysed as one segment');
  for (const w of warnings) logger.warn(w);
  deps.onProgress?.({ stage: 'plan', done: 1, total: 1 });
  return {
    version: 1,
    video: input.video,
    source: input.source,
    media: info,
    sampleFps,
    frameWidth: width,
    frameHeight: height,
    startWallClockMs: clock.ms,
    wallClockBasis: clock.basis,
    telemetry: planTelemetry,
    focal35mm: input.focal35mm ?? DEFAULT_FOCAL_35MM,
    segments,
    warnings,
  };
}
