import { parseArgs } from 'node:util';
import { probeVideo, type MediaInfo } from '../../video/probe.js';
import { UsageError, type Command } from '../command.js';

const usage = `gridwatch probe <video> [--json] [--count-frames]

Reads a video's container, codec, duration, frame rate, size, rotation and its subtitle and data
tracks (DJI telemetry lives there). Fails with a message naming the file when it is unreadable,
corrupt, or has no video.

Options:
  --json           print the facts as one JSON object
  --count-frames   decode the whole file to count frames (slow)`;

function describe(info: MediaInfo): string[] {
  const v = info.video;
  const size = info.sizeBytes === undefined ? '' : `, ${(info.sizeBytes / 1e6).toFixed(1)} MB`;
  const duration = info.durationS === null ? 'unknown duration' : `${info.durationS.toFixed(3)} s`;
  const lines = [
    `${info.path}: ${info.container}, ${duration}${size}`,
    `  video #${v.index}: ${v.codec}${v.profile ? ` (${v.profile})` : ''} ${v.width}x${v.height}` +
      (v.rotation ? `, rotated ${v.rotation}° → ${v.displayWidth}x${v.displayHeight}` : '') +
      `, ${v.frameRate === null ? 'unknown' : v.frameRate.toFixed(3).replace(/\.?0+$/, '')} fps` +
      (v.frameCount === undefined ? '' : `, ${v.frameCount} frames`) +
      (v.pixelFormat ? `, ${v.pixelFormat}` : ''),
  ];
  if (info.audioStreamCount) lines.push(`  audio: ${info.audioStreamCount} stream(s)`);
  for (const s of info.subtitleTracks) {
    lines.push(
      `  subtitle #${s.index}: ${s.codec}${s.isText ? '' : ' (picture)'}${s.language ? ` [${s.language}]` : ''}`,
    );
  }
  for (const d of info.dataTracks) {
    lines.push(
      `  data #${d.index}: ${d.codecTag ?? d.codec ?? 'unknown'}${d.handler ? ` (${d.handler})` : ''}`,
    );
  }
  return lines;
}

export const probeCommand: Command = {
  name: 'probe',
  summary: 'describe a video file (codec, duration, size, tracks)',
  usage,
  async run(args, { io }) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        'count-frames': { type: 'boolean', default: false },
      },
    });
    const path = positionals[0];
    if (!path || positionals.length > 1) throw new UsageError('give exactly one video');
    const info = await probeVideo(path, { countFrames: values['count-frames'] });
    if (values.json) io.out(JSON.stringify(info, null, 2));
    else for (const line of describe(info)) io.out(line);
    return 0;
  },
};
