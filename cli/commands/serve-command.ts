import type { Command } from '../command.js';
import { runHttpServer } from './http-server.js';

const usage = `gridwatch serve [--port <n>] [--host <address>]

Starts the HTTP API (OpenAPI at /openapi.json, browsable at /docs) and the flight analysis in one
process. Uses PostgreSQL when DATABASE_URL is set, else the embedded store in
GRIDWATCH_DATA_DIR/db; migrations run first.

With REDIS_URL set, uploaded flights go to the BullMQ queues and this process also runs a worker
on every queue (more workers: \`gridwatch worker\`). Without it, flights are analysed here, one
job at a time (embedded). Either way this process runs up to GRIDWATCH_CAMERAS_PER_WORKER live
cameras (leased in the store, so other processes can share them). The detector is
GRIDWATCH_DETECTOR_MODEL (+ GRIDWATCH_DETECTOR_WEIGHTS).

Stops gracefully on SIGINT or SIGTERM: running jobs and requests finish (or jobs go back to the
queue after a grace period), then the store is closed.

Options:
  --port <n>         port to listen on (default: GRIDWATCH_PORT or 8080)
  --host <address>   address to bind (default: GRIDWATCH_HOST or 127.0.0.1)`;

export const serveCommand: Command = {
  name: 'serve',
  summary: 'run the HTTP API and the flight analysis in one process',
  usage,
  run: (args, ctx) => runHttpServer('serve', args, ctx),
};
