/**
 * Pieces of the API fuzz tests: random JSON built from hostile leaves and a file's own field
 * names (drawn from a seeded source, so a failure reproduces), and a sender that fails on any 5xx.
 */
import type { FastifyInstance, InjectOptions } from 'fastify';
import { expect } from 'vitest';

/** Bodies that are not a usable JSON object: empty, null, an array, cut short, a number out of range. */
export const MALFORMED_JSON: readonly string[] = ['', 'null', '[]', '{', '{"version":1e309}'];

export interface RandomJsonShape {
  /** Values at the leaves: past depth 3, and for three draws in ten instead of a container. */
  leaves: readonly unknown[];
  /** Object keys: the fields the routes read, plus prototype-polluting ones. */
  keys: readonly string[];
  /** Below this draw a node is an array, above it an object. */
  arrayShare: number;
}

/** Random JSON values up to four levels deep; every draw comes from `random`. */
export function randomJsonMaker(random: () => number, shape: RandomJsonShape): () => unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const randomJson = (depth: number): unknown => {
    const r = random();
    if (depth > 3 || r < 0.3) return pick(shape.leaves);
    if (r < shape.arrayShare)
      return Array.from({ length: Math.floor(random() * 4) }, () => randomJson(depth + 1));
    return Object.fromEntries(
      Array.from({ length: Math.floor(random() * 5) }, () => [pick(shape.keys), randomJson(depth + 1)]),
    );
  };
  return () => randomJson(0);
}

/**
 * `send(opts)` injects a request and expects anything but a 5xx; `statuses` counts the answers,
 * so a test can check that the inputs reached more than one kind of refusal.
 */
export function fuzzSender(app: () => FastifyInstance): {
  send(opts: InjectOptions): Promise<void>;
  statuses: Map<number, number>;
} {
  const statuses = new Map<number, number>();
  async function send(opts: InjectOptions): Promise<void> {
    let status: number;
    try {
      status = (await app().inject(opts)).statusCode;
    } catch (err) {
      // The in-process client refuses some inputs (invalid header bytes) before the server sees them.
      if (err instanceof TypeError) return;
      throw err;
    }
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    expect(status, `${opts.method} ${String(opts.url).slice(0, 120)}`).toBeLessThan(500);
  }
  return { send, statuses };
}
