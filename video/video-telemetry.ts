/**
 * Drone telemetry from a video's embedded subtitle track (DJI muxes its SRT into the MP4/MOV as
 * a text subtitle stream), converted to SRT by ffmpeg and read by the same parser as sidecar
 * .SRT files, so both paths give identical records.
 */
import { basename, extname } from 'node:path';
import { MediaError } from '../common/errors.js';
import { extractSubtitleTrack, type MediaLogger } from '../repositories/ffmpeg-repository.js';
import { probeVideo } from './probe.js';
import { decodeSrtBytes, parseDjiSrt, readDjiSrtFile, type TelemetryTrack } from './telemetry/index.js';

export interface VideoTelemetryOptions {
  /** Which subtitle track (among subtitle tracks, from 0); default the first text track. */
  track?: number;
  logger?: MediaLogger;
}

export async function readTelemetryFromVideo(
  path: string,
  opts: VideoTelemetryOptions = {},
): Promise<TelemetryTrack> {
  const info = await probeVideo(path, { logger: opts.logger });
  if (info.subtitleTracks.length === 0) {
    const data = info.dataTracks.length
      ? ` (it has ${info.dataTracks.length} binary data track(s), not read)`
      : '';
    throw new MediaError(`${path}: no subtitle track with telemetry${data}; look for a sidecar .SRT file`);
  }
  const track =
    opts.track ??
    Math.max(
      0,
      info.subtitleTracks.findIndex((t) => t.isText),
    );
  const chosen = info.subtitleTracks[track];
  if (!chosen)
    throw new MediaError(`${path}: no subtitle track ${track} (it has ${info.subtitleTracks.length})`);
  if (!chosen.isText) {
    throw new MediaError(
      `${path}: subtitle track ${track} is ${chosen.codec}, a picture format, not text telemetry`,
    );
  }
  const bytes = await extractSubtitleTrack(path, { track, logger: opts.logger });
  return parseDjiSrt(decodeSrtBytes(bytes), { source: `${basename(path)} (subtitle track ${track})` });
}

/** A sidecar .SRT file or a video with an embedded telemetry track, told apart by extension. */
export function readTelemetry(path: string, opts: VideoTelemetryOptions = {}): Promise<TelemetryTrack> {
  return extname(path).toLowerCase() === '.srt' ? readDjiSrtFile(path) : readTelemetryFromVideo(path, opts);
}
