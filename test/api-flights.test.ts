/**
 * Drone flight uploads through the API: real videos made by ffmpeg, streamed multipart bodies,
 * content sniffing (415 before anything is queued), the size limit (413), nothing left behind
 * on refusal, then status and progress as a worker reports them.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openAppHarness, type AppHarness } from '../api/app-harness.js';
import { multipart, type MultipartPart } from './support/multipart.js';
import { makeTestVideo, tempDir } from './support/video-fixtures.js';
import { describeEngines, PG_URL } from './support/database-engines.js';

const LIMIT = 2 * 1024 * 1024;

const DJI_SRT = Array.from({ length: 20 }, (_, i) =>
  [
    String(i + 1),
    `00:00:00,${String(i * 33).padStart(3, '0')} --> 00:00:00,${String(i * 33 + 33).padStart(3, '0')}`,
    `<font size="28">FrameCnt: ${i + 1}, DiffTime: 33ms`,
    '2026-03-01 08:00:00.000',
    `[iso: 100] [shutter: 1/500.0] [fnum: 2.8] [ev: 0] [latitude: 30.2741${i}] [longitude: 120.1551${i}] [rel_alt: 50.000 abs_alt: 84.200] </font>`,
    '',
  ].join('\n'),
).join('\n');

describeEngines('flight uploads on $engine', (kind) => {
  let h: AppHarness;
  let dataDir: string;
  let mp4: Buffer;
  let mkv: Buffer;
  const queued: string[] = [];

  beforeAll(async () => {
    const media = tempDir('gridwatch-flight-media-');
    mp4 = await readFile(await makeTestVideo(join(media, 'flight.mp4'), { seconds: 1 }));
    mkv = await readFile(await makeTestVideo(join(media, 'flight.mkv'), { seconds: 1 }));
    await rm(media, { recursive: true, force: true });
    dataDir = tempDir('gridwatch-flight-data-');
    h = await openAppHarness(kind, PG_URL, {
      dataDir,
      uploadMaxBytes: LIMIT,
      flightQueue: { enqueue: async (id) => void queued.push(id) },
    });
  });
  afterAll(async () => {
    await h?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const upload = (parts: MultipartPart[], role: 'uploader' | 'reviewer' | 'admin' | null = 'uploader') => {
    const body = multipart(parts);
    return h.app.inject({
      method: 'POST',
      url: '/flights',
      payload: body.payload,
      headers: { ...body.headers, ...(role ? h.auth(role) : {}) },
    });
  };
  /** Everything under uploads/, so refusals can be shown to leave nothing behind. */
  const uploadedFiles = async (): Promise<string[]> => {
    const root = join(dataDir, 'uploads');
    if (!existsSync(root)) return [];
    return (await readdir(root, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name));
  };

  it('stores an MP4 with its DJI telemetry, queues it, and reports status and progress', async () => {
    const res = await upload([
      { name: 'sourceId', value: 'drone-07' },
      { name: 'video', value: mp4, filename: '../../DJI_0042.MP4', type: 'video/mp4' },
      { name: 'srt', value: DJI_SRT, filename: 'DJI_0042.SRT', type: 'application/x-subrip' },
      { name: 'metadata', value: JSON.stringify({ pilot: '王伟', mission: 'Wensan Rd sweep' }) },
    ]);
    expect(res.statusCode).toBe(201);
    const flight = res.json();
    expect(flight).toMatchObject({
      sourceId: 'drone-07',
      status: 'queued',
      progress: 0,
      error: null,
      video: { name: 'DJI_0042.MP4', bytes: mp4.length, format: 'mp4' },
      srt: { bytes: Buffer.byteLength(DJI_SRT) },
      metadata: { pilot: '王伟', mission: 'Wensan Rd sweep' },
    });
    expect(res.headers.location).toBe(`/flights/${flight.id}`);
    expect(queued).toContain(flight.id);

    const files = await h.services.flights.files(flight.id);
    expect(files.video).toBe(join(dataDir, 'uploads', flight.id, 'video.mp4'));
    expect(await readFile(files.video)).toEqual(mp4);
    expect(await readFile(files.srt as string, 'utf8')).toBe(DJI_SRT);

    await h.services.flights.markProcessing(flight.id);
    await h.services.flights.reportProgress(flight.id, 0.4);
    const midway = await h.app.inject({ url: `/flights/${flight.id}`, headers: h.auth('reviewer') });
    expect(midway.json()).toMatchObject({ status: 'processing', progress: 0.4 });
    await h.services.flights.markDone(flight.id);
    expect(
      (await h.app.inject({ url: `/flights/${flight.id}`, headers: h.auth('uploader') })).json(),
    ).toMatchObject({
      status: 'done',
      progress: 1,
    });
    await expect(h.services.flights.reportProgress(flight.id, 0.5)).rejects.toMatchObject({
      code: 'INVALID_TRANSITION',
    });
  });

  it('takes Matroska too, without telemetry or a source', async () => {
    const res = await upload([{ name: 'video', value: mkv, filename: 'clip.mkv' }]);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ sourceId: null, srt: null, video: { format: 'matroska' } });
  });

  it('refuses what is not a video with 415 before anything is queued or kept', async () => {
    const before = { files: await uploadedFiles(), queued: queued.length };
    const png = Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), Buffer.alloc(5000, 1)]);
    for (const parts of [
      [{ name: 'video', value: png, filename: 'flight.mp4', type: 'video/mp4' }],
      [{ name: 'video', value: Buffer.from('#!/bin/sh\necho hi\n'), filename: 'x.mp4' }],
      [{ name: 'video', value: Buffer.alloc(0), filename: 'empty.mp4' }],
      [
        { name: 'video', value: mp4, filename: 'ok.mp4' },
        { name: 'srt', value: '1\n00:00:01,000 --> 00:00:02,000\nHello there\n', filename: 'film.srt' },
      ],
      [
        { name: 'video', value: mp4, filename: 'ok.mp4' },
        {
          name: 'srt',
          value: Buffer.concat([Buffer.from(DJI_SRT), Buffer.alloc(70_000, 0)]),
          filename: 'bin.srt',
        },
      ],
    ]) {
      const res = await upload(parts);
      expect(res.statusCode, JSON.stringify(parts.map((p) => p.filename))).toBe(415);
      expect(res.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
    const notMultipart = await h.app.inject({
      method: 'POST',
      url: '/flights',
      headers: h.auth('uploader'),
      payload: { video: 'x' },
    });
    expect(notMultipart.statusCode).toBe(415);
    expect(await uploadedFiles()).toEqual(before.files);
    expect(queued.length).toBe(before.queued);
  });

  it('refuses videos over the size limit with 413 and keeps nothing', async () => {
    const before = await uploadedFiles();
    const big = Buffer.concat([mp4, Buffer.alloc(LIMIT, 0)]);
    const res = await upload([{ name: 'video', value: big, filename: 'big.mp4' }]);
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(res.headers.connection).toBe('close');
    expect(await uploadedFiles()).toEqual(before);
    // Exactly at the limit is fine.
    const fits = Buffer.concat([mp4, Buffer.alloc(LIMIT - mp4.length, 0)]);
    expect((await upload([{ name: 'video', value: fits, filename: 'fits.mp4' }])).statusCode).toBe(201);
  });

  it('cuts off a client streaming far past the limit instead of reading it all', async () => {
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (h.app.server.address() as AddressInfo).port;
    const before = await uploadedFiles();
    const boundary = 'gwFlightBoundary';
    let sent = 0;
    const result = await new Promise<{ status: number; code?: string }>((resolve) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/flights',
          headers: { ...h.auth('uploader'), 'content-type': `multipart/form-data; boundary=${boundary}` },
        },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, code: JSON.parse(body).error?.code }));
        },
      );
      req.on('error', () => resolve({ status: -1 }));
      req.write(`--${boundary}\r\nContent-Disposition: form-data; name="video"; filename="huge.mp4"\r\n\r\n`);
      req.write(mp4);
      const chunk = Buffer.alloc(1024 * 1024);
      const pump = (): void => {
        while (sent < 1024 * chunk.length) {
          sent += chunk.length;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
        req.end();
      };
      pump();
    });
    expect(result).toEqual({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    // The connection was closed long before the client's gigabyte was through.
    expect(sent).toBeLessThan(256 * 1024 * 1024);
    expect(await uploadedFiles()).toEqual(before);
    const declared = await h.app.inject({
      method: 'POST',
      url: '/flights',
      headers: {
        ...h.auth('uploader'),
        'content-type': 'multipart/form-data; boundary=x',
        'content-length': String(10 * 1024 ** 3),
      },
      payload: '--x--\r\n',
    });
    // A declared length over the limit is refused before a byte is read.
    expect(declared.statusCode).toBe(413);
  });

  it('answers 400 for missing video, unknown parts and bad fields; 401/403 for keys', async () => {
    const before = await uploadedFiles();
    for (const parts of [
      [{ name: 'sourceId', value: 'drone-07' }],
      [
        { name: 'video', value: mp4, filename: 'a.mp4' },
        { name: 'sourceId', value: '../etc' },
      ],
      [
        { name: 'video', value: mp4, filename: 'a.mp4' },
        { name: 'metadata', value: '[1,2]' },
      ],
      [
        { name: 'video', value: mp4, filename: 'a.mp4' },
        { name: 'metadata', value: '{"a":' },
      ],
      [
        { name: 'video', value: mp4, filename: 'a.mp4' },
        { name: 'colour', value: 'red' },
      ],
      [
        { name: 'video', value: mp4, filename: 'a.mp4' },
        { name: 'thumbnail', value: mp4, filename: 't.mp4' },
      ],
      [
        { name: 'video', value: mp4, filename: 'a.mp4' },
        { name: 'video', value: mp4, filename: 'b.mp4' },
      ],
    ] as MultipartPart[][]) {
      const res = await upload(parts);
      expect(res.statusCode, JSON.stringify(parts.map((p) => p.name))).toBe(400);
    }
    expect(await uploadedFiles()).toEqual(before);
    expect((await upload([{ name: 'video', value: mp4, filename: 'a.mp4' }], null)).statusCode).toBe(401);
    expect((await upload([{ name: 'video', value: mp4, filename: 'a.mp4' }], 'reviewer')).statusCode).toBe(
      403,
    );
    expect((await h.app.inject({ url: '/flights', headers: h.auth('dispatch') })).statusCode).toBe(403);
    expect(
      (await h.app.inject({ url: `/flights/${randomUUID()}`, headers: h.auth('uploader') })).statusCode,
    ).toBe(404);
    expect(
      (await h.app.inject({ url: '/flights/..%2F..%2Fetc', headers: h.auth('uploader') })).statusCode,
    ).toBe(400);
  });

  it('lists flights newest first with status filter and cursor', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(
        (
          await upload([
            { name: 'video', value: mp4, filename: `p${i}.mp4` },
            { name: 'sourceId', value: 'drone-list' },
          ])
        ).json().id,
      );
    }
    await h.services.flights.markProcessing(ids[0] as string);
    await h.services.flights.markFailed(ids[0] as string, 'decoder gave up');
    const page1 = (
      await h.app.inject({ url: '/flights?source=drone-list&limit=2', headers: h.auth('uploader') })
    ).json();
    expect(page1.items.map((f: { id: string }) => f.id)).toEqual([ids[2], ids[1]]);
    const page2 = (
      await h.app.inject({
        url: `/flights?source=drone-list&limit=2&cursor=${page1.nextCursor}`,
        headers: h.auth('uploader'),
      })
    ).json();
    expect(page2).toMatchObject({
      items: [{ id: ids[0], status: 'failed', error: 'decoder gave up' }],
      nextCursor: null,
    });
    const failed = (
      await h.app.inject({ url: '/flights?status=failed', headers: h.auth('reviewer') })
    ).json();
    expect(failed.items.map((f: { id: string }) => f.id)).toContain(ids[0]);
    expect(
      (await h.app.inject({ url: '/flights?status=lost', headers: h.auth('reviewer') })).statusCode,
    ).toBe(400);
    expect(
      (await h.app.inject({ url: '/flights?cursor=bogus', headers: h.auth('reviewer') })).statusCode,
    ).toBe(400);
    const requeued = await h.services.flights.requeue(ids[0] as string);
    expect(requeued).toMatchObject({ status: 'queued', error: null });
    expect((await stat(join(dataDir, 'uploads', ids[0] as string, 'video.mp4'))).size).toBe(mp4.length);
  });
});
