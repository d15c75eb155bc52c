import { parseArgs } from 'node:util';
import type { TelemetryRecord } from '../../video/telemetry/index.js';
import { readTelemetry } from '../../video/video-telemetry.js';
import { UsageError, type Command } from '../command.js';

const usage = `gridwatch telemetry <file.srt | video> [--json] [--track N]

Reads DJI drone telemetry from a sidecar .SRT file or from a video's embedded subtitle track.
Warnings (cut-off files, GPS tuple order guesses) go to stderr.

Options:
  --json        print a JSON array, one object per record: t (seconds from the start), lat, lon,
                relAlt, absAlt, height, gimbalPitch, gimbalYaw, gimbalRoll (each when present)
  --track <n>   which subtitle track of a video (0 = first; default: the first text track)`;

const FIELDS = [
  'lat',
  'lon',
  'relAlt',
  'absAlt',
  'height',
  'gimbalPitch',
  'gimbalYaw',
  'gimbalRoll',
] as const;

function jsonRecord(r: TelemetryRecord): Record<string, number> {
  const out: Record<string, number> = { t: r.t };
  for (const f of FIELDS) {
    const v = r[f];
    if (v !== undefined) out[f] = v;
  }
  return out;
}

export const telemetryCommand: Command = {
  name: 'telemetry',
  summary: 'read DJI drone telemetry from an .SRT file or a video',
  usage,
  async run(args, { io }) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { json: { type: 'boolean', default: false }, track: { type: 'string' } },
    });
    const path = positionals[0];
    if (!path || positionals.length > 1) throw new UsageError('give exactly one .srt file or video');
    const track = values.track === undefined ? undefined : Number(values.track);
    if (track !== undefined && !(Number.isInteger(track) && track >= 0)) {
      throw new UsageError('--track must be an integer ≥ 0');
    }
    const result = await readTelemetry(path, { track });
    for (const w of result.warnings) io.err(`warning: ${w}`);
    if (values.json) {
      io.out(JSON.stringify(result.records.map(jsonRecord)));
      return 0;
    }
    const recs = result.records;
    const first = recs[0];
    const last = recs[recs.length - 1];
    io.out(
      `${path}: ${recs.length} records (${result.format}), positions: ${result.hasPositions ? 'yes' : 'no'}`,
    );
    if (first && last) io.out(`  t ${first.t.toFixed(3)} … ${last.t.toFixed(3)} s`);
    for (const r of [first, last]) {
      if (r?.lat !== undefined && r.lon !== undefined) io.out(`  t=${r.t.toFixed(3)} s  ${r.lat}, ${r.lon}`);
    }
    return 0;
  },
};
