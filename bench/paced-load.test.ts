import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pacedLoad } from './paced-load.js';

let server: Server;
let url: string;
const arrivals: number[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    arrivals.push(performance.now());
    if (req.url === '/slow') {
      // Holds every request 300 ms: an open-loop client must keep sending on schedule meanwhile.
      setTimeout(() => res.end('ok'), 300);
      return;
    }
    res.statusCode = req.url === '/missing' ? 404 : 200;
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('pacedLoad', () => {
  it('sends rate × seconds requests spread over the run and counts failures', async () => {
    arrivals.length = 0;
    let n = 0;
    const r = await pacedLoad({
      url,
      rate: 100,
      seconds: 1,
      path: () => (n++ % 10 === 0 ? '/missing' : '/'),
    });
    expect(r.sent).toBe(100);
    expect(r.ok + r.failed).toBe(100);
    expect(r.failed).toBe(10);
    // Evenly paced, not a burst: the first and second halves of the run get about half each.
    const mid = arrivals[0]! + 500;
    const early = arrivals.filter((t) => t < mid).length;
    expect(early).toBeGreaterThan(30);
    expect(early).toBeLessThan(70);
  });

  it('counts latency from when a request was due, so a capped client cannot hide a queue', async () => {
    // Four in flight at most against a 300 ms server: requests due every 20 ms wait their turn,
    // and that wait is part of what the load reports.
    const r = await pacedLoad({ url, rate: 50, seconds: 0.4, path: () => '/slow', maxInFlight: 4 });
    expect(r.sent).toBe(20);
    expect(r.latencyMs.p50).toBeGreaterThanOrEqual(300);
    expect(r.latencyMs.max).toBeGreaterThan(1000);
    // The wait was for a free connection, not this process being late.
    expect(r.slotWaits).toBeGreaterThanOrEqual(10);
    expect(r.sendLagMs.p99).toBeLessThan(200);
  });
});
