import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { createApiRuntime } from '../../api/api-runtime.js';
import { UsageError, type Command } from '../command.js';

const usage = `gridwatch serve [--port <n>] [--host <address>]

Starts the HTTP API (OpenAPI at /openapi.json, browsable at /docs). Uses PostgreSQL when
DATABASE_URL is set, else the embedded store in GRIDWATCH_DATA_DIR/db; migrations run first.
Stops gracefully on SIGINT or SIGTERM: running requests finish, then the store is closed.

Options:
  --port <n>         port to listen on (default: GRIDWATCH_PORT or 8080)
  --host <address>   address to bind (default: GRIDWATCH_HOST or 127.0.0.1)`;

/** Requests still running after this long are cut off, so a hung client cannot block shutdown. */
const SHUTDOWN_GRACE_MS = 10_000;

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the HTTP API',
  usage,
  async run(args, { config, io }) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { port: { type: 'string' }, host: { type: 'string' } },
    });
    if (positionals.length > 0) throw new UsageError('serve takes no positional arguments');
    const port = values.port === undefined ? config.port : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be 0-65535');
    const host = values.host ?? config.host;

    const runtime = await createApiRuntime(config, { logger: { level: 'info' } });
    if (runtime.applied.length > 0) io.err(`applied migrations: ${runtime.applied.join(', ')}`);
    try {
      await runtime.app.listen({ port, host });
    } catch (err) {
      await runtime.close();
      throw err;
    }
    const address = runtime.app.server.address();
    const shown =
      typeof address === 'object' && address ? `${address.address}:${address.port}` : `${host}:${port}`;
    io.err(
      `gridwatch API listening on http://${shown} (${runtime.db.kind === 'pglite' ? 'embedded store' : 'PostgreSQL'})`,
    );

    const controller = new AbortController();
    const signal = await Promise.race([
      once(process, 'SIGINT', { signal: controller.signal }).then(() => 'SIGINT'),
      once(process, 'SIGTERM', { signal: controller.signal }).then(() => 'SIGTERM'),
    ]);
    controller.abort();
    io.err(`${signal}: shutting down`);
    const timer = setTimeout(() => runtime.app.server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    try {
      await runtime.close();
    } finally {
      clearTimeout(timer);
    }
    return 0;
  },
};
