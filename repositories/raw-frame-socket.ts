/**
 * The receiving end of ffmpeg's rgb24 output: ffmpeg listens on a unix socket in a private
 * temporary folder and this side connects with Node's `onread`, so every read lands in the frame
 * being filled. Through a child's stdout pipe, Node allocates a fresh 64 KB buffer per read;
 * measured on parking_lot_topdown.mp4 at 1 frame/s (30 MB), that cost 80–110 ms of system time
 * against 6–18 ms here, and the decode ran 0.75 of `-f null` speed against 0.85–0.9.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, watch, type FSWatcher } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '../common/process-alive.js';
import type { RawFrameAssembler } from './raw-frame-assembler.js';

/** sockaddr_un holds 108 bytes with the terminating NUL. */
const MAX_SOCKET_PATH = 107;
const RETRY_MS = 25;
const BOUND_RETRY_MS = 1;
const GIVE_UP_MS = 10_000;

const SOCKET_NAME = 'rgb.sock';

const swept = new Set<string>();
let hostPrefix: string | undefined;

/**
 * `gridwatch-frames-<host>-<pid>-`: a shared /tmp may hold folders of other machines or pid
 * namespaces (containers), whose pids mean nothing here; only this host's are ever swept.
 */
function dirPrefix(): string {
  hostPrefix ??= `gridwatch-frames-${createHash('sha256').update(hostname()).digest('hex').slice(0, 8)}-`;
  return hostPrefix;
}

/**
 * A private folder for one socket, named for this process; /tmp when TMPDIR is too long for a
 * socket path. The first call per parent folder removes folders that processes no longer running
 * left behind (a worker killed by SIGKILL or the OOM killer cannot clean up after itself).
 */
export function makeSocketDir(): string {
  const prefix = dirPrefix();
  const probe = join(tmpdir(), `${prefix}${process.pid}-XXXXXX`, SOCKET_NAME);
  const parent = probe.length <= MAX_SOCKET_PATH ? tmpdir() : '/tmp';
  if (!swept.has(parent)) {
    swept.add(parent);
    sweepOrphans(parent, prefix);
  }
  return mkdtempSync(join(parent, `${prefix}${process.pid}-`));
}

/** Removes folders named `<prefix><pid>-XXXXXX` whose process is gone. */
export function sweepOrphans(parent: string, prefix = dirPrefix()): number {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(\d+)-[A-Za-z0-9]{6}$/.exec(name.slice(prefix.length));
    if (!m || processAlive(Number(m[1]))) continue;
    try {
      rmSync(join(parent, name), { recursive: true, force: true });
      removed++;
    } catch {
      // Not ours to remove after all (another user's folder in a shared /tmp).
    }
  }
  return removed;
}

export interface RawFrameSocketOptions {
  dir: string;
  assembler: RawFrameAssembler;
  /** Complete frames held before reading pauses, which makes ffmpeg block on its write. */
  maxQueued: number;
  /** Frames became ready or the connection ended. */
  onChange(): void;
  /** How long the socket may exist yet refuse connections before giving up; default 10 s. */
  giveUpMs?: number;
}

export class RawFrameSocket {
  readonly path: string;
  private socket: Socket | undefined;
  private watcher: FSWatcher | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private connecting = false;
  private connected = false;
  private paused = false;
  private stopped = false;
  /** No more bytes will come: the connection ended, or connecting was given up. */
  ended = false;
  /** Why connecting was given up; the connection was never made. */
  failure: string | undefined;
  private failingSince: number | undefined;
  private readonly giveUpMs: number;

  constructor(private readonly o: RawFrameSocketOptions) {
    this.path = join(o.dir, SOCKET_NAME);
    this.giveUpMs = o.giveUpMs ?? GIVE_UP_MS;
  }

  /** Connects as soon as ffmpeg listens: on the folder's change events, with a slow poll behind them. */
  start(): void {
    try {
      this.watcher = watch(this.o.dir, () => this.attempt());
      this.watcher.on('error', () => this.closeWatcher());
    } catch {
      // No inotify (some container filesystems): the poll alone will do.
    }
    this.attempt();
  }

  /** Reading paused on a full queue goes on once the consumer has taken a frame. */
  resumeIfRoom(): void {
    if (this.paused && this.o.assembler.queued < this.o.maxQueued) {
      this.paused = false;
      this.socket?.resume();
    }
  }

  /** ffmpeg has exited: a connection that was never made never will be. */
  processEnded(): void {
    this.stopped = true;
    this.closeWatcher();
    clearTimeout(this.retryTimer);
    if (!this.connected && !this.connecting) this.finish();
  }

  close(): void {
    this.processEnded();
    this.socket?.destroy();
    this.finish();
  }

  /** Removes the folder; call once ffmpeg has exited. */
  removeDir(): void {
    rmSync(this.o.dir, { recursive: true, force: true });
  }

  private attempt(): void {
    if (this.stopped || this.connecting || this.connected) return;
    clearTimeout(this.retryTimer);
    this.connecting = true;
    const { assembler, maxQueued, onChange } = this.o;
    const socket = connect({
      path: this.path,
      onread: {
        buffer: () => assembler.readTarget(),
        callback: (n: number, buf: Uint8Array) => {
          assembler.received(buf, n);
          onChange();
          if (assembler.queued < maxQueued) return true;
          this.paused = true;
          return false;
        },
      },
    });
    socket.once('connect', () => {
      this.connecting = false;
      this.connected = true;
      this.socket = socket;
      this.closeWatcher();
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // Before the connection: ffmpeg is not listening yet. After it: a reset because ffmpeg was
      // killed; its exit status tells what happened.
      if (this.connected) return;
      this.connecting = false;
      socket.destroy();
      if (this.stopped) {
        this.finish();
        return;
      }
      // ECONNREFUSED: the socket is bound and listen() is a moment away. ENOENT: ffmpeg is still
      // opening its input; the folder's change event (1 ms from bind to connection, measured) or
      // the poll will say when.
      // Anything else for long means a socket this process cannot reach, and ffmpeg would wait in
      // accept() for ever: give up, and let the stream kill ffmpeg and say why.
      if (err.code !== 'ENOENT') {
        this.failingSince ??= performance.now();
        if (performance.now() - this.failingSince > this.giveUpMs) {
          this.failure = `cannot connect to ffmpeg's output socket ${this.path}: ${err.code ?? err.message}`;
          this.stopped = true;
          this.closeWatcher();
          this.finish();
          return;
        }
      } else {
        this.failingSince = undefined;
      }
      const wait = err.code === 'ECONNREFUSED' ? BOUND_RETRY_MS : RETRY_MS;
      this.retryTimer = setTimeout(() => this.attempt(), wait);
    });
    socket.on('close', () => {
      if (this.connected) this.finish();
    });
  }

  private closeWatcher(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.o.onChange();
  }
}
