/**
 * The only module that imports fluent-ffmpeg or starts ffmpeg/ffprobe. Services in video/ see
 * plain probe records, raw rgb24 bytes with per-frame timestamps, and MediaErrors whose messages
 * name the input and the problem, never ffmpeg's banner or argument syntax.
 */
import { PassThrough, type Readable } from 'node:stream';
import ffmpeg from 'fluent-ffmpeg';
import { InvalidInputError, MediaError, errorMessage } from '../common/errors.js';

export interface MediaLogger {
  debug(message: string): void;
  warn(message: string): void;
}

export const silentLogger: MediaLogger = { debug: () => {}, warn: () => {} };

/** ffprobe's records as printed: keys and value types vary by container, codec and version. */
export interface RawProbe {
  format: Record<string, unknown>;
  streams: Record<string, unknown>[];
}

export interface ProbeOptions {
  /** Decode the whole file to count frames (slow: a full decode). */
  countFrames?: boolean;
  logger?: MediaLogger;
}

export interface RawVideoStreamOptions {
  /** A file path or an rtsp:// (or other ffmpeg) URL. */
  input: string;
  /** Which input stream to decode, as ffprobe numbers streams; default the first video stream. */
  streamIndex?: number;
  /** Frames with pts ≥ startS (seconds from the media start) are delivered. */
  startS?: number;
  /** Frames with pts < startS + durationS are delivered; omitted: up to the end. */
  durationS?: number;
  /** Constant-rate sampling: one frame per 1/fps on the grid k/fps, duplicating where needed. */
  fps?: number;
  /** Drop-only rate limit for live input: never duplicates a frame after a gap. */
  maxFps?: number;
  width?: number;
  height?: number;
  /** Live input: keep the stream's own clock and skip seeking and trimming. */
  live?: boolean;
  rtspTransport?: 'tcp' | 'udp';
  /** Network inputs: ffmpeg gives up on a socket silent for this long. */
  ioTimeoutMs?: number;
  logger?: MediaLogger;
}

/** What showinfo reports for one delivered frame, in stdout order. */
export interface RawFrameInfo {
  /** Microseconds; null when the frame carried no timestamp. */
  ptsUs: number | null;
  width: number;
  height: number;
}

export interface RawVideoExit {
  ok: boolean;
  /** Ended by kill(): not an error, whatever the exit status. */
  killed: boolean;
  error?: MediaError;
  /** Decoder/demuxer errors ffmpeg recovered from (a truncated tail, corrupt packets). */
  warnings: string[];
}

export interface RawVideoStream {
  /** Packed rgb24 frames back to back; pausing it pauses ffmpeg. */
  readonly bytes: Readable;
  /** Size and timestamp of the next frame in `bytes`; null once ffmpeg has ended and all were read. */
  nextFrameInfo(): Promise<RawFrameInfo | null>;
  readonly exited: Promise<RawVideoExit>;
  kill(): void;
  /** Recent non-frame stderr lines, for diagnostics. */
  stderrTail(): string[];
}

export interface NullDecodeOptions {
  input: string;
  fps?: number;
  width?: number;
  height?: number;
  logger?: MediaLogger;
}

export interface NullDecodeResult {
  frames: number;
  wallMs: number;
}

export interface SubtitleExtractOptions {
  /** Position among the input's subtitle streams (0: the first). */
  track?: number;
  logger?: MediaLogger;
}

const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const STDERR_TAIL_LINES = 40;

/** ffmpeg reads `a:b.mp4` as protocol `a`; the file: prefix makes any local path literal. */
function ffmpegInput(input: string): string {
  return URL_SCHEME.test(input) ? input : `file:${input}`;
}

/** RTSP URLs carry camera passwords; errors and logs must not. Redacts every URL in the text. */
export function redactInput(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)([^/@:\s]+):[^/@\s]*@/gi, '$1$2:***@');
}

function adaptLogger(logger: MediaLogger) {
  return {
    debug: (m: string) => logger.debug(m),
    info: (m: string) => logger.debug(m),
    warn: (m: string) => logger.warn(m),
    error: (m: string) => logger.warn(m),
  };
}

interface StderrLine {
  level: string;
  text: string;
}

/** `-loglevel level+…` prefixes each line with its level, which is what lets us tell errors apart. */
function parseStderrLine(line: string): StderrLine {
  // Without a level tag (ffprobe -v error) every line is an error.
  const m =
    /^(?:\[[^\]]*? @ 0x[0-9a-f]+\] )?(?:\[(trace|debug|verbose|info|warning|error|fatal|panic)\] ?)?(.*)$/.exec(
      line,
    );
  return { level: m?.[1] ?? 'error', text: (m?.[2] ?? line).trim() };
}

const GENERIC_ERRORS = [
  /^Conversion failed!?$/,
  /^Error opening input files?/,
  /^Error opening output files?/,
  /^Error while filtering/,
  /^Error initializing/,
  /^Exiting normally/,
  /^Nothing was written into output file/,
];

function rephrase(text: string): string {
  if (/^Stream map '0:v[^']*' matches no streams/.test(text)) return 'no video stream';
  if (/^Stream map '0:s[^']*' matches no streams/.test(text)) return 'no subtitle track';
  if (/^End of file$/i.test(text)) return 'unexpected end of file (truncated?)';
  return text.replace(/\.$/, '');
}

/**
 * Picks ffmpeg's statement about the input (the line `<input>: <problem>`) as the headline and a
 * couple of specific demuxer/decoder lines as details, dropping ffmpeg's generic follow-ups.
 */
export function describeFailure(input: string, lines: readonly string[], fallback: string): string {
  const ffIn = ffmpegInput(input);
  const prefixes = [`${ffIn}: `, `${input}: `];
  const errors = lines
    .map(parseStderrLine)
    .filter((l) => l.text && ['error', 'fatal', 'panic'].includes(l.level))
    .map((l) => l.text)
    .filter((t) => !GENERIC_ERRORS.some((re) => re.test(t)));
  let headline: string | undefined;
  const details: string[] = [];
  for (const text of errors) {
    const prefix = prefixes.find((p) => text.startsWith(p));
    const stripped = rephrase(prefix ? text.slice(prefix.length) : text);
    if (prefix && headline === undefined) headline = stripped;
    else if (!details.includes(stripped)) details.push(stripped);
  }
  if (headline === undefined) headline = details.shift() ?? fallback;
  const extra = details.filter((d) => !d.includes(headline)).slice(0, 2);
  return redactInput(`cannot read ${input}: ${headline}${extra.length ? ` (${extra.join('; ')})` : ''}`);
}

function positive(name: string, v: number | undefined, integer = false): void {
  if (v === undefined) return;
  if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
    throw new InvalidInputError(`${name} must be a positive ${integer ? 'integer' : 'number'}, got ${v}`);
  }
}

function secondsArg(us: number): string {
  return (us / 1e6).toFixed(6);
}

/** Microseconds, so that a boundary computed twice (end of one segment, start of the next) is one value. */
function toUs(s: number): number {
  return Math.round(s * 1e6);
}

function scaleFilter(width?: number, height?: number): string | undefined {
  if (width === undefined && height === undefined) return undefined;
  return `scale=${width ?? -1}:${height ?? -1}`;
}

function videoFilters(o: RawVideoStreamOptions, startUs: number, endUs: number | undefined): string[] {
  const filters: string[] = [];
  // fps before trim: the sampling grid k/fps is then the same whatever the seek point, so a
  // frame on a segment boundary is the same frame with the same timestamp in both decodes.
  if (o.fps !== undefined) filters.push(`fps=${o.fps}`);
  if (o.maxFps !== undefined) {
    // 5% slack so that a 15 fps stream limited to 5 fps keeps every third frame despite jitter.
    const gap = (0.95 / o.maxFps).toFixed(6);
    filters.push(`select='isnan(prev_selected_t)+gte(t-prev_selected_t,${gap})'`);
  }
  // Microsecond time base before trim: trim rounds its bounds to the frame time base, and in
  // 1/30 s a bound of 9.577778 s would become 9.566667 s, a frame earlier than the rule says.
  filters.push('settb=AVTB');
  if (!o.live && (startUs > 0 || endUs !== undefined)) {
    filters.push(
      `trim=start=${secondsArg(startUs)}${endUs === undefined ? '' : `:end=${secondsArg(endUs)}`}`,
    );
  }
  const scale = scaleFilter(o.width, o.height);
  if (scale) filters.push(scale);
  // Scaling in YUV and converting to RGB unscaled takes swscale's SIMD fast path; one combined
  // scale+convert pass is about twice as slow.
  filters.push('format=yuv420p', 'format=rgb24', 'showinfo=checksum=0');
  return filters;
}

const SHOWINFO = /Parsed_showinfo_\d+ @ .*?\bn:\s*\d+\s+pts:\s*(-?\d+|NOPTS)\b.*?\bs:(\d+)x(\d+)/;

/** Starts ffmpeg decoding `input` to packed rgb24 on stdout; frame sizes and pts come from showinfo. */
export function openRawVideoStream(o: RawVideoStreamOptions): RawVideoStream {
  positive('fps', o.fps);
  positive('maxFps', o.maxFps);
  positive('width', o.width, true);
  positive('height', o.height, true);
  positive('durationS', o.durationS);
  if (o.startS !== undefined && (!Number.isFinite(o.startS) || o.startS < 0)) {
    throw new InvalidInputError(`startS must be a number ≥ 0, got ${o.startS}`);
  }
  const logger = o.logger ?? silentLogger;
  const startUs = toUs(o.startS ?? 0);
  const endUs = o.durationS === undefined ? undefined : toUs((o.startS ?? 0) + o.durationS);
  const isRtsp = /^rtsps?:\/\//i.test(o.input);

  const inputOptions = ['-hide_banner', '-nostats', '-loglevel', 'level+info', '-nostdin'];
  if (isRtsp) inputOptions.push('-rtsp_transport', o.rtspTransport ?? 'tcp');
  if (o.ioTimeoutMs !== undefined && URL_SCHEME.test(o.input)) {
    inputOptions.push('-timeout', String(Math.round(o.ioTimeoutMs * 1000)));
  }
  if (o.live) {
    // Cameras announce their codec parameters in the SDP, so ffmpeg's default 5 s of probing
    // would only delay the first frame of every (re)connection. Not `nobuffer`: it throws the
    // probed packets away, so decoding waits for the next key frame (measured 1.4 s → 2.5 s).
    inputOptions.push('-fflags', '+discardcorrupt', '-analyzeduration', '500000', '-probesize', '500000');
  } else {
    // Seek a second early to a key frame and let trim cut exactly: the fps filter then sees the
    // frames either side of the first grid point, as it does in a decode from the start.
    const prerollUs = 1_000_000 + (o.fps ? Math.ceil(1e6 / o.fps) : 0);
    const seekUs = startUs - prerollUs;
    if (seekUs > 0) inputOptions.push('-ss', secondsArg(seekUs));
    inputOptions.push('-noaccurate_seek', '-copyts', '-start_at_zero');
  }

  const bytes = new PassThrough({ highWaterMark: 1 << 20, emitClose: false });
  const infos: RawFrameInfo[] = [];
  let infoWaiter: ((info: RawFrameInfo | null) => void) | undefined;
  let ended = false;
  const tail: string[] = [];
  const errorLines: string[] = [];
  let started = false;
  let running = false;
  let killed = false;
  let resolveExit!: (exit: RawVideoExit) => void;
  const exited = new Promise<RawVideoExit>((resolve) => (resolveExit = resolve));

  const command = ffmpeg({ logger: adaptLogger(logger), stdoutLines: STDERR_TAIL_LINES })
    .input(ffmpegInput(o.input))
    .inputOptions(inputOptions)
    .outputOptions([
      '-map',
      o.streamIndex === undefined ? '0:v:0' : `0:${o.streamIndex}`,
      '-an',
      '-sn',
      '-dn',
      '-filter:v',
      videoFilters(o, startUs, endUs).join(','),
      // The rawvideo muxer would otherwise get constant-rate sync, which duplicates and drops
      // frames behind showinfo's back and breaks the frame/timestamp pairing.
      '-fps_mode',
      'passthrough',
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
    ]);

  command.on('start', (line: string) => {
    started = true;
    running = true;
    logger.debug(`ffmpeg started: ${redactInput(line)}`);
    if (killed) command.kill('SIGKILL');
  });
  command.on('stderr', (line: string) => {
    const m = SHOWINFO.exec(line);
    if (m) {
      const info: RawFrameInfo = {
        ptsUs: m[1] === 'NOPTS' ? null : Number(m[1]),
        width: Number(m[2]),
        height: Number(m[3]),
      };
      if (infoWaiter) {
        const w = infoWaiter;
        infoWaiter = undefined;
        w(info);
      } else {
        infos.push(info);
      }
      return;
    }
    if (line.includes('Parsed_showinfo_')) return;
    tail.push(line);
    if (tail.length > STDERR_TAIL_LINES) tail.shift();
    const parsed = parseStderrLine(line);
    if (parsed.text && ['error', 'fatal', 'panic'].includes(parsed.level) && errorLines.length < 200) {
      errorLines.push(line);
    }
  });

  const finish = (err: Error | null) => {
    running = false;
    ended = true;
    if (infoWaiter) {
      const w = infoWaiter;
      infoWaiter = undefined;
      w(null);
    }
    if (killed) {
      resolveExit({ ok: true, killed: true, warnings: [] });
      return;
    }
    if (err) {
      const fallback = started
        ? errorMessage(err).split('\n')[0]!
        : `cannot run ffmpeg: ${errorMessage(err)}`;
      resolveExit({
        ok: false,
        killed: false,
        error: new MediaError(describeFailure(o.input, errorLines, fallback), { cause: err }),
        warnings: [],
      });
      return;
    }
    const warnings = [...new Set(errorLines.map((l) => rephrase(parseStderrLine(l).text)))].slice(0, 5);
    resolveExit({ ok: true, killed: false, warnings });
  };
  command.on('end', () => finish(null));
  command.on('error', (err: Error) => {
    // fluent-ffmpeg does not end the output stream when the process fails to start.
    if (!started) bytes.end();
    finish(err);
  });
  command.pipe(bytes, { end: true });

  return {
    bytes,
    exited,
    nextFrameInfo() {
      const next = infos.shift();
      if (next) return Promise.resolve(next);
      if (ended) return Promise.resolve(null);
      return new Promise((resolve) => (infoWaiter = resolve));
    },
    kill() {
      if (killed) return;
      killed = true;
      if (running) command.kill('SIGKILL');
    },
    stderrTail: () => [...tail],
  };
}

function probeError(input: string, err: unknown): MediaError {
  const text = errorMessage(err);
  if (/ENOENT/.test(text) && /ffprobe|spawn/i.test(text) && !text.includes('\n')) {
    return new MediaError(`cannot run ffprobe: ${text}`, { cause: err });
  }
  // fluent-ffmpeg appends ffprobe's stderr (-v error: errors only) after its own first line.
  const lines = text.split('\n').slice(1).filter(Boolean);
  return new MediaError(describeFailure(input, lines, text.split('\n')[0] ?? text), { cause: err });
}

/** ffprobe's format and stream records for a file or URL; MediaError naming the input when unreadable. */
export function probeMedia(input: string, opts: ProbeOptions = {}): Promise<RawProbe> {
  const args = ['-v', 'error'];
  if (opts.countFrames) args.push('-count_frames');
  opts.logger?.debug(`ffprobe ${redactInput(input)}`);
  return new Promise((resolve, reject) => {
    ffmpeg.ffprobe(ffmpegInput(input), args, (err: unknown, data: ffmpeg.FfprobeData | undefined) => {
      if (err || !data) {
        reject(probeError(input, err ?? new Error('ffprobe printed nothing')));
        return;
      }
      resolve({
        format: { ...data.format } as Record<string, unknown>,
        streams: data.streams.map((s) => ({ ...s }) as Record<string, unknown>),
      });
    });
  });
}

/** Runs ffmpeg to completion with stdout collected; the error names the input. */
function runCollecting(
  input: string,
  inputOptions: string[],
  outputOptions: string[],
  logger: MediaLogger,
): Promise<{ stdout: Buffer; stderr: string[] }> {
  return new Promise((resolve, reject) => {
    const out = new PassThrough({ emitClose: false });
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    const stderr: string[] = [];
    let started = false;
    const command = ffmpeg({ logger: adaptLogger(logger), stdoutLines: STDERR_TAIL_LINES })
      .input(ffmpegInput(input))
      .inputOptions(['-hide_banner', '-loglevel', 'level+info', '-nostdin', ...inputOptions])
      .outputOptions(outputOptions);
    command.on('start', (line: string) => {
      started = true;
      logger.debug(`ffmpeg started: ${redactInput(line)}`);
    });
    command.on('stderr', (line: string) => {
      stderr.push(line);
      if (stderr.length > 500) stderr.shift();
    });
    command.on('end', () => {
      // 'end' can precede the last stdout chunk's arrival in our PassThrough.
      if (out.writableEnded && out.readableEnded) resolve({ stdout: Buffer.concat(chunks), stderr });
      else out.once('end', () => resolve({ stdout: Buffer.concat(chunks), stderr }));
    });
    command.on('error', (err: Error) => {
      const fallback = started
        ? errorMessage(err).split('\n')[0]!
        : `cannot run ffmpeg: ${errorMessage(err)}`;
      reject(new MediaError(describeFailure(input, stderr, fallback), { cause: err }));
    });
    command.pipe(out, { end: true });
  });
}

/** The input's Nth subtitle stream converted to SRT text bytes (DJI embeds its telemetry SRT so). */
export async function extractSubtitleTrack(
  input: string,
  opts: SubtitleExtractOptions = {},
): Promise<Buffer> {
  const track = opts.track ?? 0;
  if (!Number.isInteger(track) || track < 0) throw new InvalidInputError(`track must be an integer ≥ 0`);
  const { stdout } = await runCollecting(
    input,
    [],
    ['-map', `0:s:${track}`, '-f', 'srt'],
    opts.logger ?? silentLogger,
  );
  return stdout;
}

/**
 * Plain `ffmpeg -i … -vf fps=…,scale=… -f null -` (audio off), timed from spawn to exit; the
 * reference the frame source is benchmarked against.
 */
export async function runNullDecode(o: NullDecodeOptions): Promise<NullDecodeResult> {
  positive('fps', o.fps);
  positive('width', o.width, true);
  positive('height', o.height, true);
  const filters: string[] = [];
  if (o.fps !== undefined) filters.push(`fps=${o.fps}`);
  const scale = scaleFilter(o.width, o.height);
  if (scale) filters.push(scale);
  const output = ['-an', '-sn', '-dn', '-f', 'null'];
  if (filters.length) output.push('-filter:v', filters.join(','));
  const t0 = performance.now();
  const { stderr } = await runCollecting(o.input, ['-stats'], output, o.logger ?? silentLogger);
  const wallMs = performance.now() - t0;
  let frames = 0;
  for (const line of stderr) {
    const m = /frame=\s*(\d+)/.exec(line);
    if (m) frames = Number(m[1]);
  }
  return { frames, wallMs };
}
