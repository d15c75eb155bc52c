import { describe, expect, it } from 'vitest';
import { PermanentJobError } from '../common/errors.js';
import type { QueueJob } from '../repositories/queue-repository.js';
import { InlineJobScheduler } from './inline-job-scheduler.js';
import {
  createWorkerSet,
  jobIdOf,
  JOB_NAMES,
  type JobHandler,
  type JobHandlers,
  type JobName,
} from './job-registry.js';

const FLIGHT = '0b9e5a7c-1d2e-4f30-8a4b-5c6d7e8f9a0b';
const CASE = '1c0f6b8d-2e3f-4a41-9b5c-6d7e8f9a0b1c';

function recordingHandlers(log: string[], fail: Partial<Record<JobName, () => Error>> = {}): JobHandlers {
  const handler = <N extends JobName>(name: N): JobHandler<N> => ({
    async run(payload) {
      log.push(`run ${name} ${JSON.stringify(payload)}`);
      const err = fail[name]?.();
      if (err) throw err;
      return name;
    },
    async onFailed(_payload, error) {
      log.push(`failed ${name}: ${error.message}`);
    },
  });
  return Object.fromEntries(JOB_NAMES.map((n) => [n, handler(n)])) as unknown as JobHandlers;
}

function queueJob(name: string, data: unknown, attemptsMade = 0, attempts = 5): QueueJob {
  return {
    id: 'x',
    name,
    queue: 'flights',
    data,
    attemptsMade,
    attempts,
    signal: new AbortController().signal,
    progress: async () => {},
  };
}

describe('job registry', () => {
  it('refuses to start when a job has no handler, or a handler names no job', () => {
    const log: string[] = [];
    const { 'segment.analyse': _dropped, ...partial } = recordingHandlers(log);
    expect(() => createWorkerSet(partial)).toThrow(/no handler for job\(s\) segment\.analyse/);
    expect(() =>
      createWorkerSet({ ...recordingHandlers(log), 'flight.ingst': partial['flight.ingest'] } as never),
    ).toThrow(/handler\(s\) for unknown job\(s\) flight\.ingst/);
    const set = createWorkerSet(recordingHandlers(log));
    expect(set.queues).toEqual(['flights', 'segments', 'evidence', 'dispatch']);
    expect(set.processor('cameras')).toBeUndefined();
  });

  it('gives every job a deterministic id', () => {
    expect(jobIdOf('flight.ingest', { flightId: FLIGHT })).toBe(`ingest:${FLIGHT}`);
    expect(jobIdOf('segment.analyse', { flightId: FLIGHT, segmentIndex: 3 })).toBe(`segment:${FLIGHT}:3`);
    expect(jobIdOf('flight.aggregate', { flightId: FLIGHT })).toBe(`aggregate:${FLIGHT}`);
    expect(
      jobIdOf('evidence.render', {
        flightId: FLIGHT,
        caseId: CASE,
        stamp: 1704679380000,
        violation: { id: 'v', type: 'illegal_parking', evidence: {} },
      }),
    ).toBe(`evidence:${CASE}:1704679380000`);
    expect(jobIdOf('dispatch.deliver', { deliveryId: CASE, attempt: 2 })).toBe(`dispatch:${CASE}:2`);
  });

  it('checks payloads and queues, and calls onFailed only when a job fails for good', async () => {
    const log: string[] = [];
    const set = createWorkerSet(
      recordingHandlers(log, {
        'flight.ingest': () => new Error('redis blinked'),
        'flight.aggregate': () => new PermanentJobError('corrupt video'),
      }),
    );
    const flights = set.processor('flights')!;
    await expect(flights(queueJob('flight.ingest', { flightId: 'nope' }))).rejects.toBeInstanceOf(
      PermanentJobError,
    );
    await expect(flights(queueJob('segment.analyse', { flightId: FLIGHT, segmentIndex: 0 }))).rejects.toThrow(
      /does not belong on queue 'flights'/,
    );
    expect(log).toEqual([]);

    await expect(flights(queueJob('flight.ingest', { flightId: FLIGHT }, 0))).rejects.toThrow(
      'redis blinked',
    );
    expect(log.filter((l) => l.startsWith('failed'))).toEqual([]);
    await expect(flights(queueJob('flight.ingest', { flightId: FLIGHT }, 4))).rejects.toThrow(
      'redis blinked',
    );
    await expect(flights(queueJob('flight.aggregate', { flightId: FLIGHT }, 0))).rejects.toThrow(
      'corrupt video',
    );
    expect(log.filter((l) => l.startsWith('failed'))).toEqual([
      'failed flight.ingest: redis blinked',
      'failed flight.aggregate: corrupt video',
    ]);
  });
});

describe('inline job scheduler', () => {
  it('runs flow children before their parent, and not the parent when a child fails', async () => {
    const log: string[] = [];
    const inline = new InlineJobScheduler();
    inline.bind(
      createWorkerSet(
        recordingHandlers(log, { 'segment.analyse': () => new PermanentJobError('bad segment') }),
      ),
    );
    await inline.addFlow({ name: 'flight.aggregate', payload: { flightId: FLIGHT } }, [
      { name: 'segment.analyse', payload: { flightId: FLIGHT, segmentIndex: 0 } },
    ]);
    await inline.idle();
    expect(log).toEqual([
      `run segment.analyse {"flightId":"${FLIGHT}","segmentIndex":0}`,
      'failed segment.analyse: bad segment',
    ]);

    const ok: string[] = [];
    const inline2 = new InlineJobScheduler();
    await inline2.enqueue('flight.ingest', { flightId: FLIGHT });
    // Same id while pending: added once.
    await inline2.enqueue('flight.ingest', { flightId: FLIGHT });
    inline2.bind(createWorkerSet(recordingHandlers(ok)));
    await inline2.addFlow({ name: 'flight.aggregate', payload: { flightId: FLIGHT } }, [
      { name: 'segment.analyse', payload: { flightId: FLIGHT, segmentIndex: 0 } },
      { name: 'segment.analyse', payload: { flightId: FLIGHT, segmentIndex: 1 } },
    ]);
    await inline2.idle();
    expect(ok.map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual([
      'run flight.ingest',
      'run segment.analyse',
      'run segment.analyse',
      'run flight.aggregate',
    ]);
  });
});
