import type { AppConfig } from '../common/app-config.js';

export interface CommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Returns the process exit code. */
  run(args: string[], ctx: { config: AppConfig; io: CommandIo }): Promise<number>;
}

/** Thrown for wrong arguments: the CLI prints the message and the command's usage, exit 2. */
export class UsageError extends Error {}

/**
 * A positive number option (`--name`), or undefined when it was not given; anything else is a
 * UsageError naming the option.
 */
export function positiveOption(name: string, v: string | undefined, integer = false): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${name} must be a positive ${integer ? 'integer' : 'number'}`);
  }
  return n;
}

/** `--port`: 0 (any free port) to 65535, or `fallback` when it was not given. */
export function portOption(v: string | undefined, fallback: number): number {
  // Number('') and Number(' ') are 0, which would quietly mean "any free port".
  const port = v === undefined ? fallback : /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be 0-65535');
  return port;
}
