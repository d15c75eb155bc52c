import type { Command } from '../command.js';
import { runHttpServer } from './http-server.js';

const usage = `gridwatch api [--port <n>] [--host <address>]

Starts the HTTP API only, for deployments that run \`gridwatch worker\` processes beside it.
With REDIS_URL set, uploaded flights are queued in Redis for the workers (a request fails fast
when Redis is down); without it they stay 'queued'. Uses PostgreSQL when DATABASE_URL is set,
else the embedded store; migrations run first. Stops gracefully on SIGINT or SIGTERM.

Options:
  --port <n>         port to listen on (default: GRIDWATCH_PORT or 8080)
  --host <address>   address to bind (default: GRIDWATCH_HOST or 127.0.0.1)`;

export const apiCommand: Command = {
  name: 'api',
  summary: 'run the HTTP API only (workers run separately)',
  usage,
  run: (args, ctx) => runHttpServer('api', args, ctx),
};
