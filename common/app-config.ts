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
}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new InvalidInputError(`${name} must be an integer from ${min} to ${max}, got '${raw}'`);
  }
  return v;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const cores = Math.max(1, cpus().length);
  return {
    ortThreads: intFrom(env, 'GRIDWATCH_ORT_THREADS', cores, 1, 64),
    sharpConcurrency: intFrom(env, 'GRIDWATCH_SHARP_CONCURRENCY', 1, 1, 64),
    dataDir: env.GRIDWATCH_DATA_DIR || './data',
  };
}
