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
