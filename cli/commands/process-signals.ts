import { once } from 'node:events';

/** Resolves with the name of the first SIGINT or SIGTERM this process receives. */
export async function shutdownSignal(): Promise<'SIGINT' | 'SIGTERM'> {
  const controller = new AbortController();
  try {
    return await Promise.race([
      once(process, 'SIGINT', { signal: controller.signal }).then(() => 'SIGINT' as const),
      once(process, 'SIGTERM', { signal: controller.signal }).then(() => 'SIGTERM' as const),
    ]);
  } finally {
    controller.abort();
  }
}
