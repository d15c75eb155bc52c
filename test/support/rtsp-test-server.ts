/**
 * A real RTSP server for tests: GStreamer's gst-rtsp-server driven by a tiny python3-gi script,
 * serving a live H.264 test pattern on 127.0.0.1. Debian packages: gir1.2-gst-rtsp-server-1.0,
 * gstreamer1.0-plugins-base, gstreamer1.0-plugins-good, gstreamer1.0-plugins-ugly, python3-gi.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const RTSP_SERVER_PACKAGES =
  'gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-ugly python3-gi';

const SCRIPT = `
import sys
import gi
gi.require_version('Gst', '1.0')
gi.require_version('GstRtspServer', '1.0')
from gi.repository import Gst, GstRtspServer, GLib
Gst.init(None)
port, w, h, fps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
frames = sys.argv[5] if len(sys.argv) > 5 else ''
for name in ('videotestsrc', 'x264enc', 'rtph264pay', 'multifilesrc', 'pngdec'):
    if Gst.ElementFactory.find(name) is None:
        sys.exit('missing GStreamer element ' + name)
server = GstRtspServer.RTSPServer()
server.set_address('127.0.0.1')
server.set_service(port)
factory = GstRtspServer.RTSPMediaFactory()
# PNG frames looped for ever (paced to real time by the server's sinks), else a test pattern.
source = (
    'multifilesrc location=%s loop=true caps=image/png,framerate=%d/1 ! pngdec ! videoconvert '
    '! videoscale ! video/x-raw,format=I420,width=%d,height=%d' % (frames, fps, w, h)
    if frames else
    'videotestsrc is-live=true pattern=ball ! video/x-raw,width=%d,height=%d,framerate=%d/1' % (w, h, fps))
factory.set_launch(
    '( %s ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=%d '
    '! rtph264pay name=pay0 pt=96 config-interval=1 )' % (source, fps))
factory.set_shared(True)
server.get_mount_points().add_factory('/cam', factory)
if server.attach(None) == 0:
    sys.exit('cannot listen on port ' + port)
print('READY %d' % server.get_bound_port(), flush=True)
GLib.MainLoop().run()
`;

let python: string | undefined;

/** The first python3 that has GObject introspection (pyenv shims usually do not). */
function findPython(): string {
  if (python) return python;
  for (const candidate of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(candidate, ['-c', 'import gi'], { stdio: 'ignore' });
    if (r.status === 0) return (python = candidate);
  }
  throw new Error(`no python3 with the gi module: apt-get install -y ${RTSP_SERVER_PACKAGES}`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface RtspTestServer {
  url: string;
  port: number;
  /** SIGKILL, like a camera losing power. */
  kill(): Promise<void>;
  /** SIGSTOP/SIGCONT: the TCP connection stays open but no data flows. */
  freeze(): void;
  thaw(): void;
}

export interface RtspTestServerOptions {
  port?: number;
  width?: number;
  height?: number;
  fps?: number;
  /**
   * Serve these PNG frames in a loop instead of the test pattern: a GStreamer multifilesrc
   * location, e.g. `/tmp/clip/frame-%03d.png`, or one file for a still scene.
   */
  frames?: string;
}

export async function startRtspTestServer(o: RtspTestServerOptions = {}): Promise<RtspTestServer> {
  const py = findPython();
  // python has read the script once it prints READY (or has failed), so the file goes then.
  const dir = mkdtempSync(join(tmpdir(), 'gridwatch-rtsp-'));
  const scriptPath = join(dir, 'rtsp_server.py');
  writeFileSync(scriptPath, SCRIPT);
  const port = o.port ?? (await freePort());
  const args = [
    scriptPath,
    String(port),
    String(o.width ?? 320),
    String(o.height ?? 240),
    String(o.fps ?? 15),
    ...(o.frames ? [o.frames] : []),
  ];
  const child: ChildProcess = spawn(py, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail('did not start within 10 s'), 10_000);
    function fail(why: string) {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(
        new Error(
          `RTSP test server ${why}: ${stderr.trim() || '(no stderr)'}\n` +
            `It needs Debian packages: apt-get install -y ${RTSP_SERVER_PACKAGES}`,
        ),
      );
    }
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('READY')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => fail(`exited with code ${code}`));
  }).finally(() => rmSync(dir, { recursive: true, force: true }));
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    url: `rtsp://127.0.0.1:${port}/cam`,
    port,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    freeze: () => child.kill('SIGSTOP'),
    thaw: () => child.kill('SIGCONT'),
  };
}
