/** Follow-up jobs through BullMQ: each job name goes to its queue under its deterministic id. */
import type { QueueRepository } from '../repositories/queue-repository.js';
import {
  JOB_DEFINITIONS,
  jobIdOf,
  type JobName,
  type JobPayload,
  type JobScheduler,
} from './job-registry.js';

export class QueueJobScheduler implements JobScheduler {
  constructor(private readonly queues: QueueRepository) {}

  async enqueue<N extends JobName>(
    name: N,
    payload: JobPayload<N>,
    opts: { delayMs?: number; replaceFinished?: boolean } = {},
  ): Promise<void> {
    await this.queues.add(JOB_DEFINITIONS[name].queue, name, payload, {
      jobId: jobIdOf(name, payload),
      ...(opts.delayMs ? { delayMs: opts.delayMs } : {}),
      ...(opts.replaceFinished ? { replaceFinished: true } : {}),
    });
  }

  async addFlow<P extends JobName, C extends JobName>(
    parent: { name: P; payload: JobPayload<P> },
    children: { name: C; payload: JobPayload<C> }[],
    opts: { replaceFinished?: boolean } = {},
  ): Promise<void> {
    const node = <N extends JobName>(j: { name: N; payload: JobPayload<N> }) => ({
      queue: JOB_DEFINITIONS[j.name].queue,
      name: j.name,
      data: j.payload,
      jobId: jobIdOf(j.name, j.payload),
    });
    await this.queues.addFlow({
      parent: node(parent),
      children: children.map(node),
      ...(opts.replaceFinished ? { replaceFinished: true } : {}),
    });
  }
}
