/**
 * Process configuration, read from the environment once at start-up and validated. Nothing else
 * reads process.env (lint enforces it); everything else receives an AppConfig.
 */
import { cpus } from 'node:os';
import { InvalidInputError } from './errors.js';

export interface AppConfig {
  /** Threads for one ONNX session; with N concurrent inferences, N × this should not exceed cores. */
  ortThreads: number;
  /** libvips threads per image operation. */
  sharpConcurrency: number;
  dataDir: string;
  /** Address `gridwatch serve` binds; loopback by default so nothing is exposed by accident. */
  host: string;
  port: number;
  /** A PostgreSQL connection string; unset means the embedded PGlite store under `<dataDir>/db`. */
  databaseUrl: string | undefined;
  /** Browser origins allowed to call the API cross-origin; empty disables CORS. */
  corsOrigins: string[];
  /** Requests per minute allowed per API key (per client address before a key is recognised). */
  rateLimitPerMinute: number;
  /** JSON file with the violation-type → category-code table; unset means the bundled 2026 table. */
  categoryCodesPath: string | undefined;
  /** 6-digit administrative division code that prefixes numeric category codes into full item codes. */
  regionCode: string | undefined;
  /** Largest drone flight video `POST /flights` accepts, in bytes (default 4 GiB). */
  uploadMaxBytes: number;
  /** Where evidence files go: `<dataDir>/evidence` (local) or an S3-compatible bucket. */
  storage: StorageConfig;
  /** REDIS_URL: BullMQ queues for scale-out; unset means embedded, in-process flight analysis. */
  redisUrl: string | undefined;
  /** Prefix of every BullMQ key, so several deployments (or tests) can share one Redis. */
  queuePrefix: string;
  /** Jobs one worker process runs at once. */
  workerConcurrency: number;
  /**
   * A running job's lock lasts this long and is renewed at half of it; a worker that dies holding
   * it leaves the job stalled until it runs out. 30 s in production; tests shorten it.
   */
  queueLockMs: number;
  /** How often workers look for stalled jobs (and hand them back to wait); 15 s in production. */
  queueStalledIntervalMs: number;
  /** Detector for `gridwatch run` defaults and workers: a models/ name or a manifest path; unset: the bundled one. */
  detectorModel: string | undefined;
  /** ONNX weights overriding the detector manifest's (catalogue manifests bundle none). */
  detectorWeights: string | undefined;
  /** Soil segmenter (models/ name or manifest path); unset: the bundled one, when present. */
  segmenterModel: string | undefined;
  segmenterWeights: string | undefined;
  /** Live cameras one worker process runs at once (leased per camera); 0: none. */
  camerasPerWorker: number;
}

export type StorageConfig =
  | { kind: 'local' }
  | {
      kind: 's3';
      endpoint: string;
      bucket: string;
      region: string;
      accessKeyId: string;
      secretAccessKey: string;
    };

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new InvalidInputError(`${name} must be an integer from ${min} to ${max}, got '${raw}'`);
  }
  return v;
}

function optional(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw ? raw : undefined;
}

function originsFrom(env: NodeJS.ProcessEnv, name: string): string[] {
  const raw = optional(env, name);
  if (!raw) return [];
  const origins = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const origin of origins) {
    // An origin is scheme://host[:port] with nothing after it; anything else never matches a browser's Origin.
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new InvalidInputError(
        `${name} must list origins like https://review.example.gov, got '${origin}'`,
      );
    }
  }
  return origins;
}

function queuePrefixFrom(env: NodeJS.ProcessEnv, name: string): string {
  const raw = optional(env, name) ?? 'gridwatch';
  // Braces allowed for Redis Cluster hash tags ({gridwatch}); no spaces or other separators.
  if (!/^[A-Za-z0-9_.{}-]{1,64}$/.test(raw)) {
    throw new InvalidInputError(`${name} must be 1-64 of letters, digits, _ . - { }, got '${raw}'`);
  }
  return raw;
}

function regionFrom(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = optional(env, name);
  if (raw !== undefined && !/^\d{6}$/.test(raw)) {
    throw new InvalidInputError(`${name} must be a 6-digit administrative division code, got '${raw}'`);
  }
  return raw;
}

function storageFrom(env: NodeJS.ProcessEnv): StorageConfig {
  const kind = optional(env, 'GRIDWATCH_STORAGE') ?? 'local';
  if (kind === 'local') return { kind };
  if (kind !== 's3') throw new InvalidInputError(`GRIDWATCH_STORAGE must be local or s3, got '${kind}'`);
  const names = ['ENDPOINT', 'BUCKET', 'ACCESS_KEY_ID', 'SECRET_ACCESS_KEY'] as const;
  const missing = names.filter((n) => optional(env, `GRIDWATCH_S3_${n}`) === undefined);
  if (missing.length) {
    throw new InvalidInputError(
      `GRIDWATCH_STORAGE=s3 needs ${missing.map((n) => `GRIDWATCH_S3_${n}`).join(', ')}`,
    );
  }
  const endpoint = optional(env, 'GRIDWATCH_S3_ENDPOINT') as string;
  if (!/^https?:\/\/[^/\s?#]+(\/[^\s?#]*)?$/.test(endpoint)) {
    throw new InvalidInputError(`GRIDWATCH_S3_ENDPOINT must be an http(s) URL, got '${endpoint}'`);
  }
  const bucket = optional(env, 'GRIDWATCH_S3_BUCKET') as string;
  // Path-style bucket names: S3's rules (3–63 of a–z, 0–9, '.', '-'), which every compatible store accepts.
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new InvalidInputError(`GRIDWATCH_S3_BUCKET is not a valid bucket name: '${bucket}'`);
  }
  return {
    kind,
    endpoint,
    bucket,
    region: optional(env, 'GRIDWATCH_S3_REGION') ?? 'us-east-1',
    accessKeyId: optional(env, 'GRIDWATCH_S3_ACCESS_KEY_ID') as string,
    secretAccessKey: optional(env, 'GRIDWATCH_S3_SECRET_ACCESS_KEY') as string,
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const cores = Math.max(1, cpus().length);
  const workerConcurrency = intFrom(env, 'GRIDWATCH_WORKER_CONCURRENCY', 1, 1, 64);
  return {
    // Concurrent inferences × threads each should not exceed the cores.
    ortThreads: intFrom(
      env,
      'GRIDWATCH_ORT_THREADS',
      Math.max(1, Math.floor(cores / workerConcurrency)),
      1,
      64,
    ),
    sharpConcurrency: intFrom(env, 'GRIDWATCH_SHARP_CONCURRENCY', 1, 1, 64),
    dataDir: env.GRIDWATCH_DATA_DIR || './data',
    host: optional(env, 'GRIDWATCH_HOST') ?? '127.0.0.1',
    port: intFrom(env, 'GRIDWATCH_PORT', 8080, 0, 65535),
    databaseUrl: optional(env, 'DATABASE_URL'),
    corsOrigins: originsFrom(env, 'GRIDWATCH_CORS_ORIGINS'),
    rateLimitPerMinute: intFrom(env, 'GRIDWATCH_RATE_LIMIT', 600, 1, 1_000_000),
    categoryCodesPath: optional(env, 'GRIDWATCH_CATEGORY_CODES'),
    regionCode: regionFrom(env, 'GRIDWATCH_REGION_CODE'),
    uploadMaxBytes: intFrom(env, 'GRIDWATCH_UPLOAD_MAX_BYTES', 4 * 1024 ** 3, 1024 * 1024, 2 ** 45),
    storage: storageFrom(env),
    redisUrl: optional(env, 'REDIS_URL'),
    queuePrefix: queuePrefixFrom(env, 'GRIDWATCH_QUEUE_PREFIX'),
    workerConcurrency,
    queueLockMs: intFrom(env, 'GRIDWATCH_QUEUE_LOCK_MS', 30_000, 1000, 3_600_000),
    queueStalledIntervalMs: intFrom(env, 'GRIDWATCH_QUEUE_STALLED_INTERVAL_MS', 15_000, 500, 3_600_000),
    detectorModel: optional(env, 'GRIDWATCH_DETECTOR_MODEL'),
    detectorWeights: optional(env, 'GRIDWATCH_DETECTOR_WEIGHTS'),
    segmenterModel: optional(env, 'GRIDWATCH_SEGMENTER_MODEL'),
    segmenterWeights: optional(env, 'GRIDWATCH_SEGMENTER_WEIGHTS'),
    camerasPerWorker: intFrom(env, 'GRIDWATCH_CAMERAS_PER_WORKER', 4, 0, 256),
  };
}
