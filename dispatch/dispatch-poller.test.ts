import { describe, expect, it, vi } from 'vitest';
import { DispatchPoller } from './dispatch-poller.js';
import type { DeliveryOutcome } from './dispatch-service.js';

const delivered = (id: string): DeliveryOutcome => ({
  deliveryId: id,
  result: 'delivered',
  statusCode: 200,
  error: null,
  nextAttemptAt: null,
});

describe('embedded dispatch poller', () => {
  it('goes again at once while rounds find work, then waits; stop() waits for the round', async () => {
    const rounds: Array<DeliveryOutcome[] | Error> = [
      [delivered('a'), delivered('b')],
      new Error('db down'),
      [delivered('c')],
      [],
    ];
    let calls = 0;
    const errors: unknown[] = [];
    const poller = new DispatchPoller(
      {
        deliverDue: async () => {
          const next = rounds[calls++] ?? [];
          if (next instanceof Error) throw next;
          return next;
        },
      },
      { intervalMs: 3_600_000, onError: (err) => errors.push(err) },
    );
    poller.start();
    await vi.waitFor(() => expect(calls).toBe(2));
    // An error waits for the interval instead of spinning.
    expect(errors).toHaveLength(1);
    await poller.stop();
    expect(calls).toBe(2);
  });

  it('drains a backlog without waiting between full rounds', async () => {
    let calls = 0;
    const poller = new DispatchPoller(
      { deliverDue: async () => (++calls < 4 ? [delivered(String(calls))] : []) },
      { intervalMs: 3_600_000 },
    );
    poller.start();
    await vi.waitFor(() => expect(calls).toBe(4));
    await poller.stop();
  });
});
