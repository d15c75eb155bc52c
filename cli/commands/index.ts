import type { Command } from '../command.js';
import { detectCommand } from './detect-command.js';

/** Every CLI command, in the order `gridwatch --help` lists them. */
export const commands: Command[] = [detectCommand];
