/**
 * Case pages are assembled in buffers that are used again once a response has finished
 * (api/json-body-pool.ts). inject() has no socket, so this holds them to that over real HTTP:
 * many pages of different sizes in flight at once, and a page a client is slow to read (its
 * buffer still queued in the socket) while other pages are made, each exactly the page asked for.
 * It listens on a unix socket: its send buffer (~200 KB) fills, where loopback TCP's grows to
 * take a whole page from a client that does not read.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openAppHarness, type AppHarness } from '../api/app-harness.js';
import { describeEngines, PG_URL } from './support/database-engines.js';
import { parkedAtBusStop, violationMaker } from './support/violation-input.js';

const violation = violationMaker({ ...parkedAtBusStop('cam-bodies'), address: '文三路 12 号' });

describeEngines('case pages over HTTP on $engine', (kind) => {
  let h: AppHarness;
  let dir: string;
  let socketPath: string;

  /** GET over the API's unix socket: status and body text. */
  const get = (path: string, headers: Record<string, string>) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request({ socketPath, path, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });

  beforeAll(async () => {
    h = await openAppHarness(kind, PG_URL);
    for (let i = 0; i < 60; i++) {
      // Addresses of different lengths, so pages differ in size as well as in cases, and evidence
      // with long keys: the page of all 60 is ~300 KB, more than a socket takes from a client
      // that does not read.
      const evidence = Array.from({ length: 6 }, (_, k) => ({
        kind: 'frame',
        key: `cases/${i}/${k}/${'k'.repeat(440)}.jpg`,
        contentType: 'image/jpeg',
        sha256: 'a'.repeat(64),
        bytes: 1000 + k,
      }));
      await h.services.cases.upsertFromViolation(
        violation({ address: `No. ${i} ${'东'.repeat(i * 8)}`, evidence }),
      );
    }
    dir = mkdtempSync(join(tmpdir(), 'gridwatch-bodies-'));
    socketPath = join(dir, 'api.sock');
    await h.app.listen({ path: socketPath });
  });
  afterAll(async () => {
    await h?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('sends every page intact while many are in flight', async () => {
    const headers = h.auth('reviewer');
    const page = async (limit: number, cursor?: string) => {
      const query = `source=cam-bodies&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await get(`/cases?${query}`, headers);
      expect(res.status).toBe(200);
      return JSON.parse(res.text) as { items: { id: string; address: string }[]; nextCursor: string | null };
    };
    // What each page must be, fetched one at a time.
    const limits = Array.from({ length: 40 }, (_, i) => 1 + ((i * 7) % 60));
    const expected = new Map<number, Awaited<ReturnType<typeof page>>>();
    for (const limit of new Set(limits)) expected.set(limit, await page(limit));
    for (let round = 0; round < 3; round++) {
      const got = await Promise.all(limits.map((limit) => page(limit)));
      got.forEach((body, i) => expect(body).toEqual(expected.get(limits[i]!)));
    }
    // And the walk through all of them by cursor sees each case once.
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const body = await page(7, cursor);
      seen.push(...body.items.map((c) => c.id));
      cursor = body.nextCursor ?? undefined;
    } while (cursor);
    expect(new Set(seen).size).toBe(60);
  });

  it('keeps a page a client has not read yet from being overwritten by the next pages', async () => {
    const headers = h.auth('reviewer');
    const expected = (await get('/cases?source=cam-bodies&limit=45', headers)).text;
    const slow = connect({ path: socketPath });
    slow.pause();
    const chunks: Buffer[] = [];
    slow.on('data', (d: Buffer) => chunks.push(d));
    const ended = new Promise<void>((resolve) => slow.on('end', resolve));
    slow.write(
      `GET /cases?source=cam-bodies&limit=45 HTTP/1.1\r\nhost: x\r\nauthorization: ${headers.authorization}\r\nconnection: close\r\n\r\n`,
    );
    // The API has written what the socket takes; the rest waits in Node for this client.
    await new Promise((r) => setTimeout(r, 300));
    const others = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        // Larger pages: one given the slow page's buffer would overwrite all of it.
        get(`/cases?source=cam-bodies&limit=${50 + i}`, headers).then((r) => r.text),
      ),
    );
    expect(others.every((body) => body.startsWith('{"items":['))).toBe(true);
    slow.resume();
    await ended;
    const response = Buffer.concat(chunks).toString('utf8');
    const body = response.slice(response.indexOf('\r\n\r\n') + 4);
    expect(response.startsWith('HTTP/1.1 200')).toBe(true);
    expect(body.length).toBe(expected.length);
    expect(body === expected).toBe(true);
  });
});
