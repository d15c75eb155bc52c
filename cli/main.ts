import { loadConfig } from '../common/app-config.js';
import { GridwatchError, errorMessage } from '../common/errors.js';
import { UsageError, type CommandIo } from './command.js';
import { commands } from './commands/index.js';

function help(): string {
  const rows = commands.map((c) => `  ${c.name.padEnd(12)} ${c.summary}`);
  return [
    'usage: gridwatch <command> [options]',
    '',
    'Commands:',
    ...rows,
    '',
    "Run 'gridwatch <command> --help' for a command's options.",
  ].join('\n');
}

export async function main(argv: string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(help());
    return name ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.err(`gridwatch: unknown command '${name}'\n\n${help()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.usage);
    return 0;
  }
  try {
    return await command.run(rest, { config: loadConfig(), io });
  } catch (err) {
    if (
      err instanceof UsageError ||
      (err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      io.err(`gridwatch ${name}: ${errorMessage(err)}\n\n${command.usage}`);
      return 2;
    }
    if (err instanceof GridwatchError) {
      io.err(`gridwatch ${name}: ${err.message}`);
      return 1;
    }
    io.err(
      `gridwatch ${name}: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
    );
    return 1;
  }
}
