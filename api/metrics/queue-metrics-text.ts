/**
 * Job queue metrics as Prometheus families: depth per queue and state, running totals of jobs
 * completed and failed for good, and job latency (due → finished) over the completed jobs Redis
 * still keeps. The latency is a gauge per quantile rather than a histogram: it is computed from a
 * window of recent jobs, so its counts go down as jobs age out, which a histogram must never do.
 */
import type { QueueMetricsEntry } from '../../repositories/queue-repository.js';
import { renderMetrics, type MetricFamily, type Sample } from './prometheus-text.js';

/** The states reported; `waiting` includes prioritized jobs (both wait for a worker). */
const STATES = ['waiting', 'active', 'delayed', 'waiting-children', 'failed', 'completed'] as const;
const QUANTILES = [0.5, 0.95, 0.99] as const;

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] as number;
}

/** `entries` is undefined when Redis did not answer: only `gridwatch_queue_up 0` is reported then. */
export function renderQueueMetrics(entries: readonly QueueMetricsEntry[] | undefined): string {
  const families: MetricFamily[] = [
    {
      name: 'gridwatch_queue_up',
      help: 'Whether the job queue (Redis) answered this scrape.',
      type: 'gauge',
      samples: [{ value: entries ? 1 : 0 }],
    },
  ];
  if (entries) {
    const depth: Sample[] = [];
    const latency: Sample[] = [];
    for (const e of entries) {
      const byState: Record<(typeof STATES)[number], number> = {
        waiting: e.counts.waiting + e.counts.prioritized,
        active: e.counts.active,
        delayed: e.counts.delayed,
        'waiting-children': e.counts.waitingChildren,
        failed: e.counts.failed,
        completed: e.counts.completed,
      };
      for (const state of STATES) depth.push({ labels: { queue: e.queue, state }, value: byState[state] });
      const sorted = [...e.latencySeconds].sort((a, b) => a - b);
      for (const q of QUANTILES) {
        latency.push({ labels: { queue: e.queue, quantile: String(q) }, value: quantile(sorted, q) });
      }
    }
    families.push(
      {
        name: 'gridwatch_queue_jobs',
        help: 'Jobs per queue and state (completed and failed: those Redis still keeps).',
        type: 'gauge',
        samples: depth,
      },
      {
        name: 'gridwatch_queue_jobs_completed_total',
        help: 'Jobs completed since the queue metrics began.',
        type: 'counter',
        samples: entries.map((e) => ({ labels: { queue: e.queue }, value: e.completedTotal })),
      },
      {
        name: 'gridwatch_queue_jobs_failed_total',
        help: 'Jobs failed for good (attempts used up or unrecoverable) since the queue metrics began.',
        type: 'counter',
        samples: entries.map((e) => ({ labels: { queue: e.queue }, value: e.failedTotal })),
      },
      {
        name: 'gridwatch_queue_job_latency_seconds',
        help: 'Seconds from a job being due to it finishing, over the recently completed jobs Redis keeps (NaN: none).',
        type: 'gauge',
        samples: latency,
      },
      {
        name: 'gridwatch_queue_job_latency_sample_jobs',
        help: 'Completed jobs the latency quantiles were computed from.',
        type: 'gauge',
        samples: entries.map((e) => ({ labels: { queue: e.queue }, value: e.latencySeconds.length })),
      },
    );
  }
  return renderMetrics(families);
}
