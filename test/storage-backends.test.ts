/**
 * The object stores behind evidence. The local folder and the in-memory store run the same
 * contract; the S3 client runs it against a small S3 look-alike on a local port that re-derives
 * every request's SigV4 signature. No real S3 endpoint is reachable from the test machines, so
 * the signer itself is pinned to AWS's published examples in storage/sigv4.test.ts.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, type Dirent } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../common/errors.js';
import { LocalFolderStorage } from '../storage/local-folder-storage.js';
import { MemoryObjectStorage } from '../storage/memory-storage.js';
import type { ObjectRead, ObjectStorage } from '../storage/object-storage.js';
import { S3Storage } from '../storage/s3-storage.js';
import { signRequest } from '../storage/sigv4.js';
import { ObjectNotFoundError, RangeNotSatisfiableError, StorageError } from '../storage/storage-errors.js';
import { createObjectStorage } from '../storage/create-storage.js';
import { loadConfig } from '../common/app-config.js';

const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

async function text(read: ObjectRead): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of read.body as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

/** Every file under dir, relative, sorted. */
function tree(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as Dirent[])
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath ?? d.path, d.name).slice(dir.length + 1))
    .sort();
}

// ---- a minimal S3 look-alike: path-style, SigV4-checked, objects in a Map ----

const CREDS = { accessKeyId: 'GWTESTKEY', secretAccessKey: 'gw/test+secret' };
const REGION = 'eu-test-1';
const BUCKET = 'gw-evidence';

interface FakeObject {
  data: Buffer;
  contentType: string;
  meta: string | undefined;
}

function startFakeS3(): Promise<{
  server: Server;
  endpoint: string;
  objects: Map<string, FakeObject>;
  requests: string[];
}> {
  const objects = new Map<string, FakeObject>();
  const requests: string[] = [];
  const server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    requests.push(`${req.method} ${url.pathname}`);
    const auth = String(req.headers.authorization ?? '');
    const m =
      /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request,SignedHeaders=([^,]+),Signature=([0-9a-f]{64})$/.exec(
        auth,
      );
    const payloadHash = String(req.headers['x-amz-content-sha256'] ?? '');
    const signedNames = m?.[4]?.split(';') ?? [];
    const headers: Record<string, string> = {};
    for (const n of signedNames)
      if (n !== 'host' && n !== 'x-amz-date' && n !== 'x-amz-content-sha256')
        headers[n] = String(req.headers[n] ?? '');
    const amzDate = String(req.headers['x-amz-date'] ?? '');
    const now = new Date(
      `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
    );
    const expected =
      m &&
      signRequest({
        method: req.method ?? 'GET',
        url,
        headers,
        payloadHash,
        region: REGION,
        service: 's3',
        credentials: CREDS,
        now,
      }).signature;
    const fail = (status: number, code: string) => {
      res.writeHead(status, { 'content-type': 'application/xml' });
      res.end(
        `<?xml version="1.0"?><Error><Code>${code}</Code><Message>${code} says the fake</Message></Error>`,
      );
    };
    if (!m || m[1] !== CREDS.accessKeyId || m[3] !== REGION || expected !== m[5])
      return fail(403, 'SignatureDoesNotMatch');
    if (req.method === 'PUT' && payloadHash !== sha(body)) return fail(400, 'XAmzContentSHA256Mismatch');
    const prefix = `/${BUCKET}/`;
    if (!url.pathname.startsWith(prefix)) return fail(404, 'NoSuchBucket');
    const key = decodeURIComponent(url.pathname.slice(prefix.length));
    const obj = objects.get(key);
    switch (req.method) {
      case 'PUT':
        objects.set(key, {
          data: body,
          contentType: String(req.headers['content-type']),
          meta: req.headers['x-amz-meta-sha256'] as string | undefined,
        });
        res.writeHead(200, { etag: `"${createHash('md5').update(body).digest('hex')}"` });
        return res.end();
      case 'DELETE':
        objects.delete(key);
        res.writeHead(204);
        return res.end();
      case 'HEAD':
      case 'GET': {
        if (!obj) return fail(404, 'NoSuchKey');
        const h: Record<string, string> = { 'content-type': obj.contentType };
        if (obj.meta) h['x-amz-meta-sha256'] = obj.meta;
        const r = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? ''));
        if (r) {
          const start = Number(r[1]);
          if (start >= obj.data.length) {
            res.writeHead(416, { 'content-range': `bytes */${obj.data.length}` });
            return res.end();
          }
          const end = Math.min(r[2] ? Number(r[2]) : obj.data.length - 1, obj.data.length - 1);
          res.writeHead(206, {
            ...h,
            'content-range': `bytes ${start}-${end}/${obj.data.length}`,
            'content-length': end - start + 1,
          });
          return res.end(req.method === 'HEAD' ? undefined : obj.data.subarray(start, end + 1));
        }
        res.writeHead(200, { ...h, 'content-length': obj.data.length });
        return res.end(req.method === 'HEAD' ? undefined : obj.data);
      }
      default:
        return fail(405, 'MethodNotAllowed');
    }
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        server,
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        objects,
        requests,
      }),
    ),
  );
}

let fake: Awaited<ReturnType<typeof startFakeS3>>;
const roots: string[] = [];
beforeAll(async () => {
  fake = await startFakeS3();
});
afterAll(async () => {
  await new Promise((r) => fake?.server.close(r));
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function localRoot(): string {
  const parent = mkdtempSync(join(tmpdir(), 'gridwatch-store-'));
  roots.push(parent);
  return join(parent, 'evidence');
}

const backends: Array<{ name: string; make: () => ObjectStorage }> = [
  { name: 'local folder', make: () => new LocalFolderStorage(localRoot()) },
  { name: 'memory', make: () => new MemoryObjectStorage() },
  {
    name: 'S3 (local look-alike)',
    make: () => new S3Storage({ endpoint: fake.endpoint, bucket: BUCKET, region: REGION, ...CREDS }),
  },
];

describe.each(backends)('object storage contract: $name', ({ make }) => {
  it('stores bytes and streams with their hash and size, and reads them back whole or in part', async () => {
    const s = make();
    const body = Buffer.from('0123456789abcdefghij');
    const put = await s.put('cases/c1/annotated-x.jpg', body, 'image/jpeg');
    expect(put).toEqual({ key: 'cases/c1/annotated-x.jpg', sha256: sha(body), bytes: 20 });
    const fromStream = await s.put(
      'cases/c1/clip.mp4',
      Readable.from([Buffer.from('ab'), Buffer.from('cd')]),
      'video/mp4',
    );
    expect(fromStream).toMatchObject({ sha256: sha('abcd'), bytes: 4 });

    const whole = await s.get('cases/c1/annotated-x.jpg');
    expect(whole).toMatchObject({
      bytes: 20,
      start: 0,
      end: 19,
      contentType: 'image/jpeg',
      sha256: sha(body),
    });
    expect(await text(whole)).toBe('0123456789abcdefghij');
    const part = await s.get('cases/c1/annotated-x.jpg', { start: 5, end: 9 });
    expect(part).toMatchObject({ bytes: 20, start: 5, end: 9 });
    expect(await text(part)).toBe('56789');
    const tail = await s.get('cases/c1/annotated-x.jpg', { start: 15 });
    expect(await text(tail)).toBe('fghij');
    const past = await s.get('cases/c1/annotated-x.jpg', { start: 18, end: 500 });
    expect(await text(past)).toBe('ij');
    await expect(s.get('cases/c1/annotated-x.jpg', { start: 20 })).rejects.toBeInstanceOf(
      RangeNotSatisfiableError,
    );

    expect(await s.stat('cases/c1/clip.mp4')).toEqual({
      key: 'cases/c1/clip.mp4',
      bytes: 4,
      contentType: 'video/mp4',
      sha256: sha('abcd'),
    });
    expect(await s.stat('cases/c1/none.jpg')).toBeUndefined();
    await expect(s.get('cases/c1/none.jpg')).rejects.toBeInstanceOf(ObjectNotFoundError);
  });

  it('overwrites a key whole and deletes idempotently', async () => {
    const s = make();
    await s.put('k/a.bin', Buffer.from('first version'), 'application/octet-stream');
    await s.put('k/a.bin', Buffer.from('second'), 'application/octet-stream');
    expect(await text(await s.get('k/a.bin'))).toBe('second');
    await s.delete('k/a.bin');
    await s.delete('k/a.bin');
    expect(await s.stat('k/a.bin')).toBeUndefined();
  });

  it('refuses unsafe keys and header-breaking content types before touching anything', async () => {
    const s = make();
    for (const key of [
      '../escape.txt',
      'a/../../escape.txt',
      '/etc/passwd',
      'a\\..\\b',
      '.meta/x',
      'a//b',
      '%2e%2e/x',
    ]) {
      await expect(s.put(key, Buffer.from('x'), 'text/plain')).rejects.toBeInstanceOf(InvalidInputError);
      await expect(s.get(key)).rejects.toBeInstanceOf(InvalidInputError);
      await expect(s.stat(key)).rejects.toBeInstanceOf(InvalidInputError);
      await expect(s.delete(key)).rejects.toBeInstanceOf(InvalidInputError);
    }
    await expect(s.put('ok.txt', Buffer.from('x'), 'text/plain\r\nx-evil: 1')).rejects.toBeInstanceOf(
      InvalidInputError,
    );
  });
});

describe('local folder storage', () => {
  it('writes through a temp file and leaves nothing outside its root or behind in .tmp', async () => {
    const root = localRoot();
    const parent = join(root, '..');
    writeFileSync(join(parent, 'outside.txt'), 'untouched');
    const s = new LocalFolderStorage(root);
    await s.put('cases/c/annotated-1.jpg', Buffer.from('jpeg bytes'), 'image/jpeg');
    await expect(s.put('../outside.txt', Buffer.from('pwned'), 'text/plain')).rejects.toThrow();
    expect(readFileSync(join(parent, 'outside.txt'), 'utf8')).toBe('untouched');
    expect(tree(root)).toEqual(['.meta/cases/c/annotated-1.jpg.json', 'cases/c/annotated-1.jpg']);
    expect(tree(parent)).toEqual([
      'evidence/.meta/cases/c/annotated-1.jpg.json',
      'evidence/cases/c/annotated-1.jpg',
      'outside.txt',
    ]);
    // The hash on record is the hash of the bytes on disk.
    expect(sha(readFileSync(s.pathOf('cases/c/annotated-1.jpg')))).toBe(sha('jpeg bytes'));
  });

  it('keeps the old file when a streamed write fails part-way', async () => {
    const s = new LocalFolderStorage(localRoot());
    await s.put('k.bin', Buffer.from('old'), 'application/octet-stream');
    async function* broken() {
      yield Buffer.from('new bytes that never finish');
      throw new Error('upstream went away');
    }
    await expect(s.put('k.bin', Readable.from(broken()), 'application/octet-stream')).rejects.toThrow(
      'upstream went away',
    );
    expect(await text(await s.get('k.bin'))).toBe('old');
    expect(tree(s.root)).toEqual(['.meta/k.bin.json', 'k.bin']);
  });

  it('is what the configuration selects by default, under GRIDWATCH_DATA_DIR/evidence', () => {
    const s = createObjectStorage(loadConfig({ GRIDWATCH_DATA_DIR: '/srv/gw' }));
    expect(s).toBeInstanceOf(LocalFolderStorage);
    expect((s as LocalFolderStorage).root).toBe('/srv/gw/evidence');
  });
});

describe('S3 client', () => {
  it('sends path-style, signed requests and maps S3 errors', async () => {
    const s = new S3Storage({ endpoint: `${fake.endpoint}/`, bucket: BUCKET, region: REGION, ...CREDS });
    fake.requests.length = 0;
    await s.put('cases/x/crop-1.jpg', Buffer.from('crop'), 'image/jpeg');
    expect(fake.requests).toEqual([`PUT /${BUCKET}/cases/x/crop-1.jpg`]);
    expect(fake.objects.get('cases/x/crop-1.jpg')?.meta).toBe(sha('crop'));

    const wrong = new S3Storage({
      endpoint: fake.endpoint,
      bucket: BUCKET,
      region: REGION,
      accessKeyId: CREDS.accessKeyId,
      secretAccessKey: 'nope',
    });
    await expect(wrong.put('a.txt', Buffer.from('x'), 'text/plain')).rejects.toThrow(
      /403: SignatureDoesNotMatch/,
    );
    await expect(wrong.put('a.txt', Buffer.from('x'), 'text/plain')).rejects.toBeInstanceOf(StorageError);

    const down = new S3Storage({ endpoint: 'http://127.0.0.1:9', bucket: BUCKET, region: REGION, ...CREDS });
    await expect(down.stat('a.txt')).rejects.toBeInstanceOf(StorageError);
  });

  it('is selected by GRIDWATCH_STORAGE=s3, which needs its endpoint, bucket and keys', () => {
    const env = {
      GRIDWATCH_STORAGE: 's3',
      GRIDWATCH_S3_ENDPOINT: 'https://minio.example.gov:9000',
      GRIDWATCH_S3_BUCKET: 'gw-evidence',
      GRIDWATCH_S3_ACCESS_KEY_ID: 'AK',
      GRIDWATCH_S3_SECRET_ACCESS_KEY: 'SK',
    };
    const config = loadConfig(env);
    expect(config.storage).toEqual({
      kind: 's3',
      endpoint: 'https://minio.example.gov:9000',
      bucket: 'gw-evidence',
      region: 'us-east-1',
      accessKeyId: 'AK',
      secretAccessKey: 'SK',
    });
    expect(createObjectStorage(config)).toBeInstanceOf(S3Storage);
    expect(() => loadConfig({ GRIDWATCH_STORAGE: 's3' })).toThrow(
      /GRIDWATCH_S3_ENDPOINT, GRIDWATCH_S3_BUCKET/,
    );
    expect(() => loadConfig({ ...env, GRIDWATCH_S3_ENDPOINT: 'ftp://x' })).toThrow(InvalidInputError);
    expect(() => loadConfig({ ...env, GRIDWATCH_S3_BUCKET: 'Bad_Bucket' })).toThrow(InvalidInputError);
    expect(() => loadConfig({ GRIDWATCH_STORAGE: 'gcs' })).toThrow(/local or s3/);
  });
});
