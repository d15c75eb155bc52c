/**
 * Objects in an S3-compatible bucket over plain fetch with SigV4 headers (no SDK). Path-style
 * URLs (`<endpoint>/<bucket>/<key>`) because self-hosted stores (MinIO, Ceph) rarely have
 * wildcard DNS for virtual-hosted buckets. Each put sends the body's SHA-256 as the signed
 * payload hash, so the store itself rejects a body damaged on the way, and keeps it as
 * `x-amz-meta-sha256` for stat and get.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { errorMessage } from '../common/errors.js';
import type { ByteRange, ObjectInfo, ObjectRead, ObjectStorage, StoredObject } from './object-storage.js';
import { checkContentType, collectBody, resolveRange, sha256Hex } from './object-range.js';
import { EMPTY_SHA256, signRequest, uriEncode } from './sigv4.js';
import { ObjectNotFoundError, RangeNotSatisfiableError, StorageError } from './storage-errors.js';
import { keySegments } from './storage-keys.js';

export interface S3StorageConfig {
  /** e.g. https://s3.eu-central-1.amazonaws.com or http://minio.local:9000 */
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface S3StorageOptions {
  fetch?: typeof fetch;
  now?: () => Date;
  timeoutMs?: number;
  /** Bodies are hashed before sending, so they are held in memory; evidence files are small. */
  maxObjectBytes?: number;
}

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** S3 error bodies are XML: `<Error><Code>NoSuchBucket</Code><Message>…</Message></Error>`. */
function s3ErrorText(status: number, xml: string): string {
  const code = /<Code>([^<]{1,100})<\/Code>/.exec(xml)?.[1];
  const message = /<Message>([^<]{1,300})<\/Message>/.exec(xml)?.[1];
  return [`HTTP ${status}`, code, message].filter(Boolean).join(': ');
}

async function* sliceStream(source: Readable, skip: number, take: number): AsyncGenerator<Buffer> {
  let pos = 0;
  for await (const chunk of source as AsyncIterable<Buffer>) {
    const from = Math.max(0, skip - pos);
    const to = Math.min(chunk.length, skip + take - pos);
    pos += chunk.length;
    if (to > from) yield chunk.subarray(from, to);
    if (pos >= skip + take) break;
  }
  source.destroy();
}

export class S3Storage implements ObjectStorage {
  private readonly endpoint: string;
  private readonly fetch: typeof fetch;
  private readonly now: () => Date;
  private readonly timeoutMs: number;
  private readonly maxObjectBytes: number;

  constructor(
    private readonly config: S3StorageConfig,
    opts: S3StorageOptions = {},
  ) {
    this.endpoint = config.endpoint.replace(/\/+$/, '');
    this.fetch = opts.fetch ?? fetch;
    this.now = opts.now ?? (() => new Date());
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.maxObjectBytes = opts.maxObjectBytes ?? 512 * 1024 * 1024;
  }

  urlOf(key: string): URL {
    const path = keySegments(key).map(uriEncode).join('/');
    return new URL(`${this.endpoint}/${uriEncode(this.config.bucket)}/${path}`);
  }

  private async send(
    method: string,
    key: string,
    opts: { headers?: Record<string, string>; body?: Buffer; payloadHash?: string } = {},
  ): Promise<Response> {
    const url = this.urlOf(key);
    const signed = signRequest({
      method,
      url,
      headers: opts.headers,
      payloadHash: opts.payloadHash ?? EMPTY_SHA256,
      region: this.config.region,
      service: 's3',
      credentials: this.config,
      now: this.now(),
    });
    try {
      return await this.fetch(url, {
        method,
        headers: signed.headers,
        body: opts.body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new StorageError(`cannot reach the object store for '${key}': ${errorMessage(err)}`, {
        cause: err,
      });
    }
  }

  private async failure(res: Response, what: string, key: string): Promise<StorageError> {
    const text = await res.text().catch(() => '');
    return new StorageError(`cannot ${what} '${key}': ${s3ErrorText(res.status, text)}`);
  }

  async put(key: string, body: Uint8Array | Readable, contentType: string): Promise<StoredObject> {
    keySegments(key);
    checkContentType(contentType);
    const data = await collectBody(body, this.maxObjectBytes);
    const sha256 = sha256Hex(data);
    const res = await this.send('PUT', key, {
      headers: { 'content-type': contentType, 'x-amz-meta-sha256': sha256 },
      body: data,
      payloadHash: sha256,
    });
    if (!res.ok) throw await this.failure(res, 'store', key);
    await res.body?.cancel();
    return { key, sha256, bytes: data.length };
  }

  async get(key: string, range?: ByteRange): Promise<ObjectRead> {
    keySegments(key);
    if (range) resolveRange(key, Number.MAX_SAFE_INTEGER, range);
    const headers: Record<string, string> = {};
    if (range) headers.range = `bytes=${range.start}-${range.end ?? ''}`;
    const res = await this.send('GET', key, { headers });
    if (res.status === 404) {
      await res.body?.cancel();
      throw new ObjectNotFoundError(key);
    }
    if (res.status === 416) {
      await res.body?.cancel();
      const total = Number(/\/(\d+)$/.exec(res.headers.get('content-range') ?? '')?.[1] ?? 0);
      throw new RangeNotSatisfiableError(key, total);
    }
    if (!res.ok || !res.body) throw await this.failure(res, 'read', key);
    const stream = Readable.fromWeb(res.body as unknown as NodeReadableStream);
    const info = {
      key,
      contentType: res.headers.get('content-type') ?? DEFAULT_CONTENT_TYPE,
      sha256: res.headers.get('x-amz-meta-sha256') ?? undefined,
    };
    if (res.status === 206) {
      const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(res.headers.get('content-range') ?? '');
      if (!m) {
        stream.destroy();
        throw new StorageError(`cannot read '${key}': partial response without a Content-Range`);
      }
      return { ...info, bytes: Number(m[3]), start: Number(m[1]), end: Number(m[2]), body: stream };
    }
    const total = Number(res.headers.get('content-length') ?? NaN);
    if (!Number.isSafeInteger(total)) {
      stream.destroy();
      throw new StorageError(`cannot read '${key}': response without a Content-Length`);
    }
    // Some stores ignore Range; serve the asked-for slice anyway.
    const { start, end } = resolveRange(key, total, range);
    const body = range ? Readable.from(sliceStream(stream, start, end - start + 1)) : stream;
    return { ...info, bytes: total, start, end, body };
  }

  async stat(key: string): Promise<ObjectInfo | undefined> {
    keySegments(key);
    const res = await this.send('HEAD', key);
    if (res.status === 404) return undefined;
    if (!res.ok) throw new StorageError(`cannot stat '${key}': HTTP ${res.status}`);
    return {
      key,
      bytes: Number(res.headers.get('content-length') ?? 0),
      contentType: res.headers.get('content-type') ?? DEFAULT_CONTENT_TYPE,
      sha256: res.headers.get('x-amz-meta-sha256') ?? undefined,
    };
  }

  async delete(key: string): Promise<void> {
    keySegments(key);
    const res = await this.send('DELETE', key);
    if (res.status === 404) return;
    if (!res.ok) throw await this.failure(res, 'delete', key);
    await res.body?.cancel();
  }
}
