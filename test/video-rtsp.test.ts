import { afterEach, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../common/errors.js';
import { backoffDelayMs, validateBackoff } from '../video/backoff.js';
import { CameraStatusTracker, type CameraStatus } from '../video/camera-status.js';
import { RtspFrameSource, type LiveFrame } from '../video/rtsp-frame-source.js';
import { freePort, startRtspTestServer, type RtspTestServer } from './support/rtsp-test-server.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

/** Consumes frames in the background, as a detector loop would, until the source closes. */
function consume(source: RtspFrameSource, delayMs = 0): { frames: LiveFrame[]; done: Promise<void> } {
  const frames: LiveFrame[] = [];
  const done = (async () => {
    for await (const f of source) {
      frames.push(f);
      if (delayMs) await sleep(delayMs);
    }
  })();
  return { frames, done };
}

const fast = { stallTimeoutMs: 1000, connectTimeoutMs: 4000, backoff: { initialMs: 100, maxMs: 400 } };

describe('RtspFrameSource against a real RTSP server', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  async function server(port?: number): Promise<RtspTestServer> {
    const s = await startRtspTestServer({ port, width: 320, height: 240, fps: 15 });
    cleanup.push(() => s.kill());
    return s;
  }

  function source(
    url: string,
    opts: Partial<Parameters<typeof RtspFrameSource.open>[0]> = {},
  ): RtspFrameSource {
    const s = RtspFrameSource.open({ url, ...fast, ...opts });
    cleanup.push(() => s.close());
    return s;
  }

  it('hands a slow consumer the newest frame and drops the backlog', { timeout: 20_000 }, async () => {
    const srv = await server();
    const src = source(srv.url, { width: 160 });
    const got: { frame: LiveFrame; ageMs: number }[] = [];
    for await (const frame of src) {
      got.push({ frame, ageMs: Date.now() - frame.receivedAt.getTime() });
      if (got.length === 6) break;
      await sleep(300); // a slow detector: 15 fps arrive, ~3 fps are taken
    }
    expect(got.map((g) => g.frame.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect([got[0]!.frame.image.width, got[0]!.frame.image.height]).toEqual([160, 120]);
    for (let i = 1; i < got.length; i++) expect(got[i]!.frame.ptsS).toBeGreaterThan(got[i - 1]!.frame.ptsS);
    // Fresh, not queued: each frame arrived about a frame interval (67 ms) before we took it; a
    // queue would hand out frames ever older, by 300 ms per frame taken.
    for (const g of got.slice(1)) expect(g.ageMs).toBeLessThan(250);
    const stats = src.stats();
    expect(stats.dropped).toBeGreaterThan(5);
    expect(stats.delivered).toBe(6);
    expect(src.status().state).toBe('offline'); // breaking out of the loop closed it
  });

  it(
    'reconnects after the server dies and reports the outage with its duration',
    { timeout: 30_000 },
    async () => {
      const first = await server();
      const src = source(first.url);
      const states: CameraStatus['state'][] = [];
      src.onStatus((s) => {
        if (states[states.length - 1] !== s.state) states.push(s.state);
      });
      const { frames, done } = consume(src);
      await waitFor('first frames', () => frames.length >= 3, 10_000);
      expect(src.status().state).toBe('online');

      const killedAt = Date.now();
      await first.kill();
      await waitFor('reconnecting state', () => src.status().state === 'reconnecting', 5000);
      await sleep(1500);
      const framesDuringOutage = frames.length;
      await server(first.port);
      await waitFor('online again', () => src.status().state === 'online', 15_000);
      await waitFor('frames after recovery', () => frames.length > framesDuringOutage + 2, 5000);

      const status = src.status();
      expect(status.outages).toHaveLength(1);
      const outage = status.outages[0]!;
      expect(outage.durationMs).toBe(outage.to.getTime() - outage.from.getTime());
      expect(outage.durationMs).toBeGreaterThanOrEqual(1500);
      expect(outage.durationMs).toBeLessThan(Date.now() - killedAt + 1000);
      expect(status.since.getTime()).toBe(outage.to.getTime());
      expect(states).toEqual(['online', 'reconnecting', 'online']);
      expect(frames[frames.length - 1]!.connection).toBeGreaterThan(1);
      expect(src.stats().connections).toBeGreaterThan(1);

      await src.close();
      await done; // the iterator ended without throwing through the outage
    },
  );

  it('restarts a stream that stalls without closing (watchdog)', { timeout: 30_000 }, async () => {
    const srv = await server();
    const src = source(srv.url, { stallTimeoutMs: 800 });
    const { frames, done } = consume(src);
    await waitFor('first frames', () => frames.length >= 3, 10_000);
    srv.freeze(); // the socket stays open, nothing arrives
    cleanup.push(async () => srv.thaw());
    await waitFor('watchdog', () => src.status().state === 'reconnecting', 5000);
    expect(src.status().lastError).toMatch(/stalled: no frame for 800 ms/);
    srv.thaw();
    await waitFor('online after thaw', () => src.status().state === 'online', 15_000);
    expect(src.status().outages).toHaveLength(1);
    await src.close();
    await done;
  });

  it(
    'reports a camera that never answers as offline, without its password, and close() ends everything',
    { timeout: 20_000 },
    async () => {
      const port = await freePort();
      const src = source(`rtsp://admin:secret@127.0.0.1:${port}/cam`, { offlineAfterMs: 600 });
      const { frames, done } = consume(src);
      // Offline comes after 600 ms; a second connection attempt may come later on a loaded machine.
      await waitFor(
        'offline after retries',
        () => src.status().state === 'offline' && src.stats().connections > 1,
        15_000,
      );
      expect(src.status().lastError).toBe(
        `cannot read rtsp://admin:***@127.0.0.1:${port}/cam: Connection refused`,
      );
      expect(src.stats().connections).toBeGreaterThan(1);
      await src.close();
      await done;
      expect(frames).toEqual([]);
    },
  );

  it('keeps camera passwords out of errors and rejects bad options up front', () => {
    expect(() => RtspFrameSource.open({ url: 'http://cam/x' })).toThrow(InvalidInputError);
    expect(() => RtspFrameSource.open({ url: 'rtsp://admin:secret@cam/x', width: 0 })).toThrow(
      InvalidInputError,
    );
    expect(() => RtspFrameSource.open({ url: 'ftp://admin:secret@cam/x' })).toThrow('ftp://admin:***@cam/x');
  });
});

describe('reconnect backoff', () => {
  it('grows exponentially to a cap, with bounded jitter', () => {
    const o = validateBackoff({ initialMs: 500, maxMs: 8000, factor: 2, jitter: 0.25 });
    expect([0, 1, 2, 3, 4, 5, 9].map((a) => backoffDelayMs(a, o, () => 0.5))).toEqual([
      500, 1000, 2000, 4000, 8000, 8000, 8000,
    ]);
    expect(backoffDelayMs(2, o, () => 0)).toBe(1500);
    expect(backoffDelayMs(2, o, () => 0.999999)).toBe(2500);
    expect(backoffDelayMs(9, o, () => 0.999999)).toBe(8000);
    expect(() => validateBackoff({ initialMs: 0, maxMs: 1, factor: 2, jitter: 0 })).toThrow(
      InvalidInputError,
    );
  });
});

describe('CameraStatusTracker', () => {
  it('moves connecting → online → reconnecting → offline → online and records the outage', () => {
    const t = (s: number) => new Date(Date.UTC(2024, 0, 1, 8, 0, s));
    const tracker = new CameraStatusTracker(10_000, t(0));
    expect(tracker.snapshot()).toEqual({ state: 'connecting', since: t(0), outages: [] });
    tracker.frameReceived(t(1));
    tracker.frameReceived(t(2));
    expect(tracker.snapshot()).toMatchObject({ state: 'online', since: t(1), lastFrameAt: t(2) });
    tracker.connectionLost('stream ended', t(3));
    expect(tracker.snapshot()).toMatchObject({
      state: 'reconnecting',
      since: t(3),
      lastError: 'stream ended',
    });
    tracker.connectionLost('Connection refused', t(8));
    expect(tracker.snapshot().state).toBe('reconnecting');
    tracker.connectionLost('Connection refused', t(12)); // 10 s after the last frame
    expect(tracker.snapshot()).toMatchObject({ state: 'offline', since: t(12) });
    tracker.frameReceived(t(20));
    expect(tracker.snapshot()).toMatchObject({
      state: 'online',
      since: t(20),
      outages: [{ from: t(2), to: t(20), durationMs: 18_000 }],
    });
  });
});
