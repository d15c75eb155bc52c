/**
 * An open-loop HTTP load at a fixed rate: request i is due at start + i / rate, whatever happened
 * to the ones before, and its latency is counted from when it was due, not from when it went out
 * (so a stalled server cannot hide its queue: no coordinated omission).
 *
 * Why not autocannon's `overallRate`: each of its connections sends as fast as it can until it
 * has made its share of the second, then waits for the next second. 500 req/s there is a burst of
 * 500 requests at the top of every second, and its p99 is the time to drain the burst.
 * Requests go over keep-alive-connection.ts, which reads responses at half the CPU of node:http
 * (0.24–0.30 ms against 0.39–0.54 ms per 70 KB case page): CPU the generator takes is taken from
 * the server it measures.
 */
import { percentile } from './bench-stats.js';
import { KeepAliveConnection } from './keep-alive-connection.js';

export interface PacedLoadOptions {
  url: string;
  rate: number;
  seconds: number;
  headers?: Record<string, string>;
  /** A fresh path per request. */
  path: () => string;
  /** Most requests in flight; a request due beyond this waits (and its wait counts). Default 256. */
  maxInFlight?: number;
}

export interface PacedLoadResult {
  sent: number;
  ok: number;
  /** Non-2xx responses and transport errors. */
  failed: number;
  /** Completed requests per second over the run. */
  achievedRate: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  /**
   * How late requests left this process when a connection was free at their due time: event-loop
   * stalls here, not the server; part of the latency above, reported so that a slow client is not
   * mistaken for a slow server.
   */
  sendLagMs: { p50: number; p99: number };
  /** Requests that fell due while all maxInFlight were busy: the server's queue, held here. */
  slotWaits: number;
}

export async function pacedLoad(o: PacedLoadOptions): Promise<PacedLoadResult> {
  const base = new URL(o.url);
  const host = base.hostname;
  const port = Number(base.port || 80);
  const maxInFlight = o.maxInFlight ?? 256;
  /** Connections waiting for a request; one is opened when none waits (at most maxInFlight busy). */
  const idle: KeepAliveConnection[] = [];
  const opened: KeepAliveConnection[] = [];
  const total = Math.round(o.rate * o.seconds);
  const latencies: number[] = [];
  const lags: number[] = [];
  let ok = 0;
  let failed = 0;
  let inFlight = 0;
  let sent = 0;
  let slotWaits = 0;
  /** The last moment every connection was busy. */
  let fullUntil = -Infinity;
  const start = performance.now();
  const dueAt = (i: number) => start + (i * 1000) / o.rate;

  let release: (() => void) | undefined;
  const settled = new Promise<void>((resolve) => (release = resolve));
  const finishOne = (due: number, success: boolean) => {
    latencies.push(performance.now() - due);
    if (success) ok++;
    else failed++;
    if (inFlight === maxInFlight) fullUntil = performance.now();
    inFlight--;
    if (ok + failed === total) release?.();
    else pump();
  };

  const fire = (due: number) => {
    if (due < fullUntil) slotWaits++;
    else lags.push(performance.now() - due);
    inFlight++;
    sent++;
    let conn = idle.pop();
    while (conn && !conn.usable) conn = idle.pop();
    if (!conn) {
      conn = new KeepAliveConnection(host, port);
      opened.push(conn);
    }
    const used = conn;
    used.get(o.path(), o.headers ?? {}, (outcome) => {
      if (used.usable) idle.push(used);
      finishOne(due, 'status' in outcome && outcome.status < 300);
    });
  };

  let timer: NodeJS.Timeout | undefined;
  function pump(): void {
    const now = performance.now();
    while (sent < total && inFlight < maxInFlight && dueAt(sent) <= now) fire(dueAt(sent));
    if (sent < total && !timer && inFlight < maxInFlight) {
      timer = setTimeout(
        () => {
          timer = undefined;
          pump();
        },
        Math.max(0, dueAt(sent) - performance.now()),
      );
    }
  }

  if (total === 0) release?.();
  else pump();
  await settled;
  const elapsedS = (performance.now() - start) / 1000;
  for (const conn of opened) conn.close();
  const round = (v: number) => Math.round(v * 10) / 10;
  return {
    sent,
    ok,
    failed,
    achievedRate: (ok + failed) / elapsedS,
    latencyMs: {
      p50: round(percentile(latencies, 50)),
      p90: round(percentile(latencies, 90)),
      p99: round(percentile(latencies, 99)),
      max: round(latencies.length ? Math.max(...latencies) : NaN),
    },
    sendLagMs: { p50: round(percentile(lags, 50)), p99: round(percentile(lags, 99)) },
    slotWaits,
  };
}
