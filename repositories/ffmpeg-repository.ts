/**
 * The only module that imports fluent-ffmpeg or starts ffmpeg/ffprobe. Services in video/ see
 * plain probe records, rgb24 frames with their timestamps, and MediaErrors whose messages
 * name the input and the problem, never ffmpeg's banner or argument syntax.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { promisify } from 'node:util';
import ffmpeg from 'fluent-ffmpeg';
import { InvalidInputError, MediaError, errorMessage } from '../common/errors.js';
import { RawFrameAssembler, type RawFrame } from './raw-frame-assembler.js';
import { makeSocketDir, RawFrameSocket } from './raw-frame-socket.js';

export type { RawFrame, RawFrameInfo } from './raw-frame-assembler.js';

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
  /**
   * Frames the decoder skips before decoding: `nokey` decodes key frames only (for sampling at
   * most once per GOP), `noref` skips frames nothing refers to. Saves the decode of frames the
   * rate limit would drop anyway.
   */
  skipFrame?: 'nokey' | 'noref';
  /**
   * Threads for the decoder and for the filters (scaling, RGB conversion); omitted: ffmpeg's
   * defaults, frame threads = cores + 1 and a filter thread per core.
   */
  threads?: number;
  logger?: MediaLogger;
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
  /**
   * The next frame, or null once ffmpeg has ended and every frame was taken (then `exited` says
   * how it ended); rejects with a MediaError when the output ends mid-frame. At most two frames
   * wait here: while they are not taken, ffmpeg blocks on its write instead of memory growing.
   */
  nextFrame(): Promise<RawFrame | null>;
  /** Complete frames waiting to be taken. */
  readonly queued: number;
  /**
   * Hands a taken frame's pixels back for a later frame to reuse; the frame must not be read
   * afterwards. Optional: frames never handed back are garbage-collected as usual.
   */
  recycle(data: Uint8Array): void;
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
  /**
   * Run the frame source's own ffmpeg command instead (conversion to packed RGB24, showinfo, raw
   * frames through the fifo muxer) with /dev/null for its socket: the most any reader of ffmpeg's
   * frames could reach, since it costs ffmpeg nothing to hand them over.
   */
  asFrameSource?: boolean;
  /** Decoder and filter threads, as the frame source's option; omitted: ffmpeg's defaults. */
  threads?: number;
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
const MAX_QUEUED_FRAMES = 2;

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

/** Before `-i`, `-threads` is the decoder's; `-filter_threads` is global (slice threads per filter). */
function threadsOption(threads: number | undefined): string[] {
  return threads === undefined ? [] : ['-threads', String(threads), '-filter_threads', String(threads)];
}

function scaleFilter(width?: number, height?: number): string | undefined {
  if (width === undefined && height === undefined) return undefined;
  return `scale=${width ?? -1}:${height ?? -1}`;
}

/**
 * Scaling in YUV and converting to RGB unscaled takes swscale's SIMD fast path; one combined
 * scale+convert pass is about twice as slow.
 */
const TO_RGB24 = ['format=yuv420p', 'format=rgb24'];

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
  filters.push(...TO_RGB24, 'showinfo=checksum=0');
  return filters;
}

const SHOWINFO = /Parsed_showinfo_\d+ @ .*?\bn:\s*\d+\s+pts:\s*(-?\d+|NOPTS)\b.*?\bs:(\d+)x(\d+)/;

/**
 * ffmpeg's arguments for a raw rgb24 stream: input options, and output options ending in the
 * fifo muxer whose inner rawvideo muxer gets `formatOpts` (the socket's listen=1, say).
 */
function rawVideoArgs(o: RawVideoStreamOptions): {
  inputOptions: string[];
  outputOptions(formatOpts: string): string[];
} {
  positive('fps', o.fps);
  positive('maxFps', o.maxFps);
  positive('width', o.width, true);
  positive('height', o.height, true);
  positive('durationS', o.durationS);
  positive('threads', o.threads, true);
  if (o.startS !== undefined && (!Number.isFinite(o.startS) || o.startS < 0)) {
    throw new InvalidInputError(`startS must be a number ≥ 0, got ${o.startS}`);
  }
  const startUs = toUs(o.startS ?? 0);
  const endUs = o.durationS === undefined ? undefined : toUs((o.startS ?? 0) + o.durationS);
  const isRtsp = /^rtsps?:\/\//i.test(o.input);

  const inputOptions = ['-hide_banner', '-nostats', '-loglevel', 'level+info', '-nostdin'];
  if (isRtsp) inputOptions.push('-rtsp_transport', o.rtspTransport ?? 'tcp');
  if (o.ioTimeoutMs !== undefined && URL_SCHEME.test(o.input)) {
    inputOptions.push('-timeout', String(Math.round(o.ioTimeoutMs * 1000)));
  }
  if (o.skipFrame) inputOptions.push('-skip_frame', o.skipFrame);
  inputOptions.push(...threadsOption(o.threads));
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
  const outputOptions = (formatOpts: string) => [
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
    '-c:v',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    // ffmpeg 5.1 writes from its one main thread, so every frame-sized write into the socket
    // would stall decoding until the reader had drained it. The fifo muxer writes from a thread
    // of its own, two frames behind at most (bench:decode at 1 and 2 frames/s: 0.82–0.83 →
    // 0.84–0.91; at every frame of street_night.mp4 0.59 → 0.71–0.75). direct: one write per
    // frame, not per 32 KB.
    '-f',
    'fifo',
    '-fifo_format',
    'rawvideo',
    '-queue_size',
    '2',
    '-format_opts',
    formatOpts,
  ];
  return { inputOptions, outputOptions };
}

/**
 * Starts ffmpeg decoding `input` to packed rgb24 frames, written to a unix socket it listens on
 * (see raw-frame-socket.ts); frame sizes and pts come from showinfo on stderr.
 */
export function openRawVideoStream(o: RawVideoStreamOptions): RawVideoStream {
  const { inputOptions, outputOptions } = rawVideoArgs(o);
  const logger = o.logger ?? silentLogger;
  const assembler = new RawFrameAssembler();
  let wake: (() => void) | undefined;
  const changed = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const socket = new RawFrameSocket({
    dir: makeSocketDir(),
    assembler,
    maxQueued: MAX_QUEUED_FRAMES,
    onChange: changed,
  });
  const tail: string[] = [];
  const errorLines: string[] = [];
  let started = false;
  let running = false;
  let processEnded = false;
  let killed = false;
  let resolveExit!: (exit: RawVideoExit) => void;
  const exited = new Promise<RawVideoExit>((resolve) => (resolveExit = resolve));

  const command = ffmpeg({ logger: adaptLogger(logger), stdoutLines: STDERR_TAIL_LINES })
    .input(ffmpegInput(o.input))
    .inputOptions(inputOptions)
    .output(`unix:${socket.path}`)
    // listen: ffmpeg is the socket's server (see raw-frame-socket.ts).
    .outputOptions(outputOptions('listen=1:avioflags=direct'));

  command.on('start', (line: string) => {
    started = true;
    running = true;
    logger.debug(`ffmpeg started: ${redactInput(line)}`);
    if (killed) command.kill('SIGKILL');
  });
  command.on('stderr', (line: string) => {
    const m = SHOWINFO.exec(line);
    if (m) {
      assembler.addInfo({
        ptsUs: m[1] === 'NOPTS' ? null : Number(m[1]),
        width: Number(m[2]),
        height: Number(m[3]),
      });
      changed();
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
    processEnded = true;
    socket.processEnded();
    socket.removeDir();
    changed();
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
  command.on('error', (err: Error) => finish(err));
  socket.start();
  command.run();

  const nextFrame = async (): Promise<RawFrame | null> => {
    for (;;) {
      const frame = assembler.take();
      if (frame) {
        socket.resumeIfRoom();
        return frame;
      }
      // Both channels must be done: stderr (frame sizes) ends with the process, pixels with the socket.
      if (socket.failure) {
        if (running) command.kill('SIGKILL');
        throw new MediaError(`cannot read ${redactInput(o.input)}: ${socket.failure}`);
      }
      if (killed) return null;
      if (processEnded && socket.ended) {
        const part = assembler.progress();
        if (part && !(await exited).error) {
          throw new MediaError(
            part.size === null
              ? `cannot read ${redactInput(o.input)}: ffmpeg wrote pixels without frame information`
              : `cannot read ${redactInput(o.input)}: the last frame was cut short (${part.filled} of ${part.size} bytes)`,
          );
        }
        return null;
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  };

  return {
    nextFrame,
    get queued() {
      return assembler.queued;
    },
    recycle: (data) => void assembler.pool.release(data),
    exited,
    kill() {
      if (killed) return;
      killed = true;
      socket.close();
      changed();
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
  opts: { target?: string; onStderr?: (line: string) => void } = {},
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
      opts.onStderr?.(line);
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
    if (opts.target === undefined) {
      command.pipe(out, { end: true });
    } else {
      out.end();
      command.output(opts.target).run();
    }
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
 * reference the frame source is benchmarked against. With asFrameSource, the source's own command
 * into /dev/null: the ceiling for reading its frames.
 */
export async function runNullDecode(o: NullDecodeOptions): Promise<NullDecodeResult> {
  const logger = o.logger ?? silentLogger;
  if (o.asFrameSource) {
    const { inputOptions, outputOptions } = rawVideoArgs(o);
    let frames = 0;
    const t0 = performance.now();
    await runCollecting(o.input, inputOptions, outputOptions('avioflags=direct'), logger, {
      target: 'file:/dev/null',
      onStderr: (line) => {
        if (SHOWINFO.test(line)) frames++;
      },
    });
    return { frames, wallMs: performance.now() - t0 };
  }
  positive('fps', o.fps);
  positive('width', o.width, true);
  positive('height', o.height, true);
  positive('threads', o.threads, true);
  const filters: string[] = [];
  if (o.fps !== undefined) filters.push(`fps=${o.fps}`);
  const scale = scaleFilter(o.width, o.height);
  if (scale) filters.push(scale);
  const output = ['-an', '-sn', '-dn', '-f', 'null'];
  if (filters.length) output.push('-filter:v', filters.join(','));
  const t0 = performance.now();
  const input = ['-stats', ...threadsOption(o.threads)];
  const { stderr } = await runCollecting(o.input, input, output, logger);
  const wallMs = performance.now() - t0;
  let frames = 0;
  for (const line of stderr) {
    const m = /frame=\s*(\d+)/.exec(line);
    if (m) frames = Number(m[1]);
  }
  return { frames, wallMs };
}

/** One raw rgb24 frame and the presentation time it is stamped with. */
export interface TimedRawFrame {
  data: Uint8Array;
  width: number;
  height: number;
  ptsS: number;
}

export interface EncodeTimedFramesOptions {
  /** Output file; the container follows the extension (.mp4, .mkv, .mov). */
  out: string;
  /** x264 quality, 0 (lossless) to 51; default 18, so pixels survive for tests that look at them. */
  crf?: number;
  /** An SRT file muxed in as a text subtitle track (how DJI drones embed their telemetry). */
  subtitles?: string;
  logger?: MediaLogger;
}

/**
 * An ffconcat script that shows each still image for its duration, one after another. A 1 ms
 * time base: the image demuxer's default of 25 fps would round every timestamp to 40 ms.
 */
function stillsConcatScript(stills: readonly { file: string; durationS: number }[]): string {
  const lines = ['ffconcat version 1.0'];
  for (const s of stills) {
    lines.push(
      `file '${s.file.replace(/'/g, "'\\''")}'`,
      'option framerate 1000',
      `duration ${s.durationS.toFixed(6)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function ppmHeader(width: number, height: number): Buffer {
  return Buffer.from(`P6\n${width} ${height}\n255\n`, 'latin1');
}

/**
 * Encodes frames with exactly the timestamps given (variable rate, millisecond precision), e.g.
 * one synthetic frame per several seconds of scripted time. A first timestamp above 0 becomes the
 * container's start time (frame sources report times from it). Frames go through PPM files and ffmpeg's concat demuxer,
 * whose per-file durations are what place each frame on the timeline; `-fps_mode passthrough`
 * keeps the encoder from filling the gaps with duplicates. Returns the number of frames written.
 */
export async function encodeTimedFrames(
  frames: AsyncIterable<TimedRawFrame> | Iterable<TimedRawFrame>,
  o: EncodeTimedFramesOptions,
): Promise<number> {
  const crf = o.crf ?? 18;
  if (!Number.isInteger(crf) || crf < 0 || crf > 51)
    throw new InvalidInputError(`crf must be 0-51, got ${crf}`);
  const logger = o.logger ?? silentLogger;
  const dir = await mkdtemp(join(tmpdir(), 'gridwatch-encode-'));
  try {
    const entries: { file: string; ptsS: number }[] = [];
    let size: [number, number] | undefined;
    for await (const f of frames) {
      if (!(Number.isFinite(f.ptsS) && f.ptsS >= 0)) {
        throw new InvalidInputError(`frame ${entries.length}: ptsS must be a number ≥ 0, got ${f.ptsS}`);
      }
      const last = entries[entries.length - 1];
      if (last && !(f.ptsS > last.ptsS)) {
        throw new InvalidInputError(
          `frame ${entries.length}: timestamps must increase (${f.ptsS} s after ${last.ptsS} s)`,
        );
      }
      if (f.data.length !== f.width * f.height * 3) {
        throw new InvalidInputError(
          `frame ${entries.length}: ${f.data.length} bytes is not ${f.width}×${f.height} rgb24`,
        );
      }
      size ??= [f.width, f.height];
      if (f.width !== size[0] || f.height !== size[1]) {
        throw new InvalidInputError(
          `frame ${entries.length} is ${f.width}×${f.height}, the first was ${size[0]}×${size[1]}`,
        );
      }
      const file = join(dir, `f${String(entries.length).padStart(6, '0')}.ppm`);
      await writeFile(file, Buffer.concat([ppmHeader(f.width, f.height), f.data]));
      entries.push({ file, ptsS: f.ptsS });
    }
    if (entries.length === 0) throw new InvalidInputError('no frames to encode');
    const first = entries[0]!.ptsS;
    const list = join(dir, 'frames.ffconcat');
    await writeFile(
      list,
      stillsConcatScript(
        // The demuxer ignores the last still's own duration; any value will do.
        entries.map((e, i) => ({ file: e.file, durationS: (entries[i + 1]?.ptsS ?? e.ptsS + 1) - e.ptsS })),
      ),
    );
    const outputOptions = ['-map', '0:v:0', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', String(crf)];
    outputOptions.push('-pix_fmt', 'yuv420p', '-fps_mode', 'passthrough');
    if (first > 0) outputOptions.push('-output_ts_offset', first.toFixed(6));
    const inputs: { source: string; options: string[] }[] = [
      { source: list, options: ['-nostdin', '-f', 'concat', '-safe', '0'] },
    ];
    if (o.subtitles) {
      inputs.push({ source: o.subtitles, options: [] });
      outputOptions.push('-map', '1:s:0', '-c:s', /\.mkv$/i.test(o.out) ? 'srt' : 'mov_text');
    }
    await runToFile(inputs, outputOptions, o.out, o.out, logger);
    return entries.length;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** One decoded frame picked by time, as packed rgb24. */
export interface GrabbedFrame {
  data: Uint8Array;
  width: number;
  height: number;
  /** The frame's own timestamp, seconds on the openRawVideoStream timeline (media start = 0). */
  ptsS: number;
}

export interface GrabFrameOptions {
  streamIndex?: number;
  /** A frame stamped up to this much after ptsS still counts as "at" ptsS; default 1 ms. */
  toleranceS?: number;
  logger?: MediaLogger;
}

/**
 * The frame on screen at `ptsS` (seconds from the media start, the timeline the file frame
 * source stamps frames with): the last frame whose pts is ≤ ptsS, or the first one after it when
 * none precedes. Seeks to a key frame about a second early and decodes forward, holding at most
 * two frames.
 */
export async function grabVideoFrame(
  input: string,
  ptsS: number,
  o: GrabFrameOptions = {},
): Promise<GrabbedFrame> {
  if (!Number.isFinite(ptsS) || ptsS < 0)
    throw new InvalidInputError(`ptsS must be a number ≥ 0, got ${ptsS}`);
  const tolerance = o.toleranceS ?? 0.001;
  const startS = Math.max(0, ptsS - 1);
  const stream = openRawVideoStream({
    input,
    streamIndex: o.streamIndex,
    startS,
    durationS: ptsS - startS + 1,
    logger: o.logger,
  });
  let before: GrabbedFrame | undefined;
  let after: GrabbedFrame | undefined;
  try {
    for (let raw: RawFrame | null; (raw = await stream.nextFrame());) {
      const frame = {
        data: raw.data,
        width: raw.width,
        height: raw.height,
        ptsS: raw.ptsUs === null ? ptsS : raw.ptsUs / 1e6,
      };
      if (frame.ptsS <= ptsS + tolerance) {
        before = frame;
      } else {
        after = frame;
        break;
      }
    }
  } finally {
    stream.kill();
  }
  const exit = await stream.exited;
  const chosen = before ?? after;
  if (chosen) return chosen;
  if (exit.error) throw exit.error;
  throw new MediaError(`cannot read ${redactInput(input)}: no frame near ${ptsS.toFixed(3)} s`);
}

const execFileAsync = promisify(execFile);

/**
 * Presentation times (ffprobe's pts_time, which includes the container's start offset) of the key
 * frames between about fromS and toS, read from packet flags without decoding anything.
 */
export async function listKeyframeTimes(
  input: string,
  fromS: number,
  toS: number,
  o: { streamIndex?: number; logger?: MediaLogger } = {},
): Promise<number[]> {
  const args = [
    '-v',
    'error',
    '-select_streams',
    o.streamIndex === undefined ? 'v:0' : String(o.streamIndex),
  ];
  args.push('-read_intervals', `${Math.max(0, fromS).toFixed(6)}%${Math.max(0, toS).toFixed(6)}`);
  args.push('-show_entries', 'packet=pts_time,flags', '-of', 'csv=p=0', ffmpegInput(input));
  o.logger?.debug(`ffprobe ${redactInput(args.join(' '))}`);
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync('ffprobe', args, { maxBuffer: 16 * 1024 * 1024 }));
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '');
    throw new MediaError(
      describeFailure(input, stderr.split('\n'), `cannot list key frames: ${errorMessage(err)}`),
      {
        cause: err,
      },
    );
  }
  const times: number[] = [];
  for (const line of stdout.split('\n')) {
    const [pts, flags] = line.trim().split(',');
    const t = Number(pts);
    if (flags?.includes('K') && pts !== 'N/A' && Number.isFinite(t)) times.push(t);
  }
  return times.sort((a, b) => a - b);
}

/** Runs one ffmpeg command that writes a file; MediaError naming `what` when it fails. */
function runToFile(
  inputs: Array<{ source: string | Readable; options: string[] }>,
  outputOptions: string[],
  out: string,
  what: string,
  logger: MediaLogger,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const stderr: string[] = [];
    let started = false;
    const command = ffmpeg({ logger: adaptLogger(logger) });
    for (const i of inputs) {
      command.input(typeof i.source === 'string' ? ffmpegInput(i.source) : i.source);
      command.inputOptions(['-hide_banner', '-loglevel', 'level+info', ...i.options]);
    }
    command
      .outputOptions([...outputOptions, '-y'])
      .output(out)
      .on('start', (line: string) => {
        started = true;
        logger.debug(`ffmpeg started: ${redactInput(line)}`);
      })
      .on('stderr', (line: string) => {
        stderr.push(line);
        if (stderr.length > 200) stderr.shift();
      })
      .on('end', () => resolve())
      .on('error', (err: Error) => {
        const fallback = started
          ? `cannot make ${what}: ${errorMessage(err).split('\n')[0]}`
          : `cannot run ffmpeg: ${errorMessage(err)}`;
        reject(new MediaError(describeFailure(what, stderr, fallback), { cause: err }));
      })
      .run();
  });
}

/** Codecs an MP4 can carry as they are and browsers can play. */
const MP4_COPYABLE = new Set(['h264', 'hevc', 'av1', 'vp9']);

const CLIP_ENCODE = [
  '-c:v',
  'libx264',
  '-preset',
  'veryfast',
  '-crf',
  '23',
  '-pix_fmt',
  'yuv420p',
  // x264 with 4:2:0 needs even dimensions.
  '-vf',
  'scale=trunc(iw/2)*2:trunc(ih/2)*2',
];

export interface VideoClip {
  /** An MP4 with its index at the front (+faststart), so a browser can play it while it loads. */
  data: Buffer;
  method: 'copy' | 'reencode';
  /** Where the clip starts on the source timeline (a key frame when copied). */
  startS: number;
  durationS: number;
}

export interface CutClipOptions {
  input: string;
  /** Seconds from the media start (the frame source's timeline). */
  startS: number;
  endS: number;
  streamIndex?: number;
  /** Skip the stream-copy attempt. */
  reencode?: boolean;
  logger?: MediaLogger;
}

function clipWindow(startS: number, endS: number): void {
  if (!Number.isFinite(startS) || startS < 0 || !Number.isFinite(endS) || !(endS > startS)) {
    throw new InvalidInputError(`a clip needs 0 ≤ start < end, got ${startS}–${endS}`);
  }
  if (endS - startS > 600) throw new InvalidInputError(`a clip is at most 600 s, asked for ${endS - startS}`);
}

function startTimeOf(probe: RawProbe): number {
  const t = Number(probe.format.start_time);
  return Number.isFinite(t) ? t : 0;
}

/**
 * An MP4 of [startS, endS] from a video file. When the codec fits MP4, the packets are copied
 * from the key frame at or before startS (ffmpeg's input -ss lands exactly on it, so nothing
 * before is lost and nothing is re-encoded); otherwise, or when copying fails, the window is
 * decoded and re-encoded with x264, cut exactly.
 */
export async function cutVideoClip(o: CutClipOptions): Promise<VideoClip> {
  clipWindow(o.startS, o.endS);
  if (URL_SCHEME.test(o.input)) throw new InvalidInputError('clips are cut from files, not streams');
  const logger = o.logger ?? silentLogger;
  const probe = await probeMedia(o.input, { logger });
  const video = probe.streams.find((s, i) =>
    o.streamIndex === undefined ? s.codec_type === 'video' : (s.index ?? i) === o.streamIndex,
  );
  if (!video) throw new MediaError(`cannot read ${o.input}: no video stream`);
  const mediaS = Number(probe.format.duration);
  if (Number.isFinite(mediaS) && o.startS >= mediaS) {
    throw new MediaError(
      `cannot cut a clip from ${o.input}: it ends at ${mediaS.toFixed(3)} s, before ${o.startS} s`,
    );
  }
  const map = o.streamIndex === undefined ? '0:v:0' : `0:${o.streamIndex}`;
  const dir = await mkdtemp(join(tmpdir(), 'gridwatch-clip-'));
  const out = join(dir, 'clip.mp4');
  try {
    if (!o.reencode && MP4_COPYABLE.has(String(video.codec_name))) {
      const offset = startTimeOf(probe);
      const keys = await listKeyframeTimes(o.input, offset + o.startS - 15, offset + o.endS, {
        streamIndex: o.streamIndex,
        logger,
      }).catch(() => []);
      // A key frame far before the window (a long GOP) would bloat the clip; re-encode instead.
      const key = keys.filter((k) => k - offset <= o.startS + 0.0005 && k - offset >= o.startS - 15).pop();
      if (key !== undefined) {
        const keyS = Math.max(0, key - offset);
        const durationS = o.endS - keyS;
        const copy = ['-map', map, '-c', 'copy', '-an', '-sn', '-dn', '-t', durationS.toFixed(6)];
        if (video.codec_name === 'hevc') copy.push('-tag:v', 'hvc1');
        copy.push('-avoid_negative_ts', 'make_zero', '-movflags', '+faststart', '-f', 'mp4');
        try {
          // A hair past the key frame so that rounding cannot seek to the one before it.
          const seek = ['-nostdin', '-ss', (keyS + 0.0005).toFixed(6)];
          await runToFile([{ source: o.input, options: seek }], copy, out, o.input, logger);
          const data = await readFile(out);
          if (data.length > 0) return { data, method: 'copy', startS: keyS, durationS };
        } catch (err) {
          logger.warn(`stream copy of ${redactInput(o.input)} failed, re-encoding: ${errorMessage(err)}`);
        }
      }
    }
    const durationS = o.endS - o.startS;
    const encode = ['-map', map, '-an', '-sn', '-dn', '-t', durationS.toFixed(6), ...CLIP_ENCODE];
    encode.push('-movflags', '+faststart', '-f', 'mp4');
    const seek = ['-nostdin', '-ss', o.startS.toFixed(6)];
    await runToFile([{ source: o.input, options: seek }], encode, out, o.input, logger);
    const data = await readFile(out);
    if (data.length === 0)
      throw new MediaError(`cannot cut a clip from ${o.input}: nothing in ${o.startS}–${o.endS} s`);
    return { data, method: 'reencode', startS: o.startS, durationS };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** One JPEG-encoded frame and its timestamp (seconds). */
export interface TimedJpeg {
  jpeg: Uint8Array;
  ptsS: number;
}

/**
 * An H.264 MP4 from JPEG frames with their own timestamps (a live camera's recent frames), placed
 * on the timeline by the concat demuxer's per-file durations, so uneven capture keeps its timing.
 */
export async function encodeJpegClip(
  frames: readonly TimedJpeg[],
  o: { logger?: MediaLogger } = {},
): Promise<VideoClip> {
  if (frames.length < 2) throw new InvalidInputError('a clip needs at least two frames');
  for (let i = 1; i < frames.length; i++) {
    if (!(frames[i]!.ptsS > frames[i - 1]!.ptsS))
      throw new InvalidInputError('frame timestamps must increase');
  }
  const first = frames[0]!.ptsS;
  const last = frames[frames.length - 1]!.ptsS;
  clipWindow(0, last - first);
  const step = (last - first) / (frames.length - 1);
  const dir = await mkdtemp(join(tmpdir(), 'gridwatch-clip-'));
  try {
    const lines = ['ffconcat version 1.0'];
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i]!;
      const file = join(dir, `f${String(i).padStart(6, '0')}.jpg`);
      await writeFile(file, f.jpeg);
      lines.push(`file '${file.replace(/'/g, "'\\''")}'`);
      lines.push(`duration ${((frames[i + 1]?.ptsS ?? f.ptsS + step) - f.ptsS).toFixed(6)}`);
    }
    // The demuxer drops the duration of the last still image unless that image is listed again.
    lines.push(lines[lines.length - 2]!);
    const list = join(dir, 'frames.ffconcat');
    await writeFile(list, `${lines.join('\n')}\n`);
    const out = join(dir, 'clip.mp4');
    const encode = [
      '-map',
      '0:v:0',
      ...CLIP_ENCODE,
      '-fps_mode',
      'vfr',
      '-movflags',
      '+faststart',
      '-f',
      'mp4',
    ];
    await runToFile(
      [{ source: list, options: ['-nostdin', '-f', 'concat', '-safe', '0'] }],
      encode,
      out,
      'the buffered frames',
      o.logger ?? silentLogger,
    );
    return { data: await readFile(out), method: 'reencode', startS: first, durationS: last - first + step };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
