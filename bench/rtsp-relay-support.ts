/**
 * A minimal RTSP relay for the capacity bench: cameras without encoders. One ffmpeg per stream
 * reads a cached H.264 clip at real-time rate in a loop and publishes it without re-encoding
 * (`-re -stream_loop -1 -c copy -f rtsp`, ANNOUNCE/RECORD over TCP); players (the real
 * RtspFrameSource) DESCRIBE/SETUP/PLAY the same path and get the publisher's interleaved RTP
 * packets forwarded as they come. Only what ffmpeg sends on either side is handled: TCP
 * transport, one video track per path.
 *
 * It runs as its own process (`startRtspRelay` forks this file), so the bench's busy event loop
 * never holds packets back: frames reach the player when a camera would send them.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

interface RtspRequest {
  method: string;
  url: string;
  headers: Map<string, string>;
  body: string;
}

interface Mount {
  sdp: string | undefined;
  /** Player socket → its first interleaved channel (RTP; RTCP is the next). */
  players: Map<Socket, number>;
}

/** Splits an RTSP byte stream into requests and interleaved `$` frames. */
class RtspReader {
  private buf: Buffer = Buffer.alloc(0);

  constructor(
    private readonly onRequest: (r: RtspRequest) => void,
    private readonly onFrame: (frame: Buffer) => void,
  ) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    for (;;) {
      if (this.buf.length === 0) return;
      if (this.buf[0] === 0x24) {
        if (this.buf.length < 4) return;
        const end = 4 + this.buf.readUInt16BE(2);
        if (this.buf.length < end) return;
        this.onFrame(this.buf.subarray(0, end));
        this.buf = this.buf.subarray(end);
        continue;
      }
      const headEnd = this.buf.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const lines = this.buf.subarray(0, headEnd).toString('latin1').split('\r\n');
      const headers = new Map<string, string>();
      for (const line of lines.slice(1)) {
        const i = line.indexOf(':');
        if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
      }
      const length = Number(headers.get('content-length') ?? 0);
      const end = headEnd + 4 + length;
      if (this.buf.length < end) return;
      const [method = '', url = ''] = lines[0]!.split(' ');
      const body = this.buf.subarray(headEnd + 4, end).toString('utf8');
      this.buf = this.buf.subarray(end);
      this.onRequest({ method, url, headers, body });
    }
  }
}

function mountOf(url: string): string {
  // rtsp://host:port/cam3 or rtsp://host:port/cam3/streamid=0 → cam3
  const path = url.replace(/^rtsps?:\/\/[^/]+\//i, '');
  return path.split('/')[0]!;
}

function startServer(port: number): Server {
  const mounts = new Map<string, Mount>();
  const mount = (name: string): Mount => {
    let m = mounts.get(name);
    if (!m) mounts.set(name, (m = { sdp: undefined, players: new Map() }));
    return m;
  };
  let sessions = 0;
  return createServer((socket) => {
    socket.setNoDelay(true);
    let publishing: Mount | undefined;
    let playing: { mount: Mount; channel: number } | undefined;
    const reply = (req: RtspRequest, extra: Record<string, string>, body = '', status = '200 OK') => {
      const head = [`RTSP/1.0 ${status}`, `CSeq: ${req.headers.get('cseq') ?? '0'}`];
      for (const [k, v] of Object.entries(extra)) head.push(`${k}: ${v}`);
      if (body) head.push(`Content-Length: ${Buffer.byteLength(body)}`);
      socket.write(`${head.join('\r\n')}\r\n\r\n${body}`);
    };
    const reader = new RtspReader(
      (req) => {
        const m = mount(mountOf(req.url));
        const session = req.headers.get('session')?.split(';')[0] ?? String(++sessions);
        switch (req.method) {
          case 'OPTIONS':
            reply(req, {
              Public: 'OPTIONS, DESCRIBE, ANNOUNCE, SETUP, PLAY, RECORD, TEARDOWN, GET_PARAMETER',
            });
            return;
          case 'ANNOUNCE':
            m.sdp = req.body;
            publishing = m;
            reply(req, {});
            return;
          case 'DESCRIBE':
            if (!m.sdp) return reply(req, {}, '', '404 Not Found');
            reply(
              req,
              { 'Content-Base': `${req.url.replace(/\/$/, '')}/`, 'Content-Type': 'application/sdp' },
              m.sdp,
            );
            return;
          case 'SETUP': {
            const transport = req.headers.get('transport') ?? '';
            const interleaved = /interleaved=(\d+)/.exec(transport);
            if (!/TCP/i.test(transport) || !interleaved) {
              return reply(req, {}, '', '461 Unsupported Transport');
            }
            if (!publishing) playing = { mount: m, channel: Number(interleaved[1]) };
            reply(req, { Transport: transport, Session: session });
            return;
          }
          case 'PLAY':
            if (playing) playing.mount.players.set(socket, playing.channel);
            reply(req, { Session: session, Range: 'npt=0.000-' });
            return;
          case 'TEARDOWN':
            reply(req, { Session: session });
            socket.end();
            return;
          default:
            // RECORD, GET_PARAMETER (keep-alive) and anything else: acknowledged.
            reply(req, { Session: session });
        }
      },
      (frame) => {
        // Publishers' packets go to every player of the path; players' RTCP reports are dropped.
        if (!publishing) return;
        for (const [player, channel] of publishing.players) {
          // A player too slow to read (its decoder behind) loses packets, as over a real network;
          // the bench sees it as a decoder lag and dropped frames.
          if (player.writableLength > 1 << 20) continue;
          const copy = Buffer.from(frame);
          copy[1] = channel + (frame[1]! % 2);
          player.write(copy);
        }
      },
    );
    socket.on('data', (c: Buffer) => reader.push(c));
    const gone = (): void => {
      playing?.mount.players.delete(socket);
      if (publishing) publishing.sdp = undefined;
    };
    socket.on('close', gone);
    socket.on('error', gone);
  }).listen(port, '127.0.0.1');
}

export interface RtspRelay {
  /** rtsp:// URL of stream i (0-based). */
  url(i: number): string;
  /** Starts publishing stream i from the clip; resolves once players can DESCRIBE it. */
  publish(i: number): Promise<void>;
  /** Stops publishing stream i. */
  unpublish(i: number): Promise<void>;
  /** CPU seconds used so far by the relay and the running publishers (Linux; NaN elsewhere). */
  cpuSeconds(): number;
  close(): Promise<void>;
}

/** Forks the relay server process and manages one publishing ffmpeg per stream. */
export async function startRtspRelay(clip: string, port: number): Promise<RtspRelay> {
  const server: ChildProcess = fork(fileURLToPath(import.meta.url), ['--rtsp-relay', String(port)], {
    stdio: 'inherit',
  });
  await new Promise<void>((resolve, reject) => {
    server.once('message', () => resolve());
    server.once('exit', (code) => reject(new Error(`RTSP relay exited (${code}) before listening`)));
  });
  const publishers = new Map<number, ChildProcess>();
  // However the bench ends, no ffmpeg is left looping the clip for ever.
  process.once('exit', () => {
    for (const p of publishers.values()) p.kill('SIGKILL');
    server.kill('SIGKILL');
  });
  const url = (i: number): string => `rtsp://127.0.0.1:${port}/cam${i}`;
  const stop = async (p: ChildProcess | undefined): Promise<void> => {
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  };
  return {
    url,
    async publish(i) {
      await stop(publishers.get(i));
      const p = spawn(
        'ffmpeg',
        [
          ...['-hide_banner', '-nostats', '-loglevel', 'error', '-nostdin'],
          ...['-re', '-stream_loop', '-1', '-i', clip, '-an', '-c', 'copy'],
          ...['-f', 'rtsp', '-rtsp_transport', 'tcp', url(i)],
        ],
        { stdio: ['ignore', 'ignore', 'inherit'] },
      );
      publishers.set(i, p);
      // ANNOUNCE comes after ffmpeg has opened the clip: poll DESCRIBE until the path exists.
      const t0 = Date.now();
      while (!(await described(url(i)))) {
        if (p.exitCode !== null) throw new Error(`publisher ${i} exited (${p.exitCode})`);
        if (Date.now() - t0 > 15_000) throw new Error(`publisher ${i} did not announce within 15 s`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    cpuSeconds() {
      return [server, ...publishers.values()].reduce((sum, p) => sum + processCpuSeconds(p.pid), 0);
    },
    async unpublish(i) {
      await stop(publishers.get(i));
      publishers.delete(i);
    },
    async close() {
      await Promise.all([...publishers.values()].map(stop));
      publishers.clear();
      await stop(server);
    },
  };
}

/** utime + stime of a process from /proc/<pid>/stat (clock ticks of 1/100 s on Linux). */
function processCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) in parentheses; utime is the 14th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** Whether the relay answers DESCRIBE for the URL with 200 (the publisher has announced). */
function described(url: string): Promise<boolean> {
  const m = /^rtsp:\/\/([^:/]+):(\d+)\//.exec(url);
  if (!m) return Promise.resolve(false);
  return new Promise((resolve) => {
    const s = connect(Number(m[2]), m[1]!);
    let text = '';
    s.on('connect', () => s.write(`DESCRIBE ${url} RTSP/1.0\r\nCSeq: 1\r\n\r\n`));
    s.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (text.includes('\r\n\r\n')) {
        s.destroy();
        resolve(text.startsWith('RTSP/1.0 200'));
      }
    });
    s.on('error', () => resolve(false));
  });
}

if (process.argv[2] === '--rtsp-relay') {
  const server = startServer(Number(process.argv[3]));
  server.on('listening', () => process.send?.('listening'));
  process.on('disconnect', () => process.exit(0));
}
