import type { Command } from '../command.js';
import { apiCommand } from './api-command.js';
import { demoCommand } from './demo-command.js';
import { detectCommand } from './detect-command.js';
import { evalCommand } from './eval-command.js';
import { framesCommand } from './frames-command.js';
import { keysCommand } from './keys-command.js';
import { probeCommand } from './probe-command.js';
import { runCommand } from './run-command.js';
import { serveCommand } from './serve-command.js';
import { synthCommand } from './synth-command.js';
import { telemetryCommand } from './telemetry-command.js';
import { workerCommand } from './worker-command.js';

/** Every CLI command, in the order `gridwatch --help` lists them. */
export const commands: Command[] = [
  demoCommand,
  detectCommand,
  runCommand,
  probeCommand,
  telemetryCommand,
  framesCommand,
  serveCommand,
  apiCommand,
  workerCommand,
  keysCommand,
  synthCommand,
  evalCommand,
];
