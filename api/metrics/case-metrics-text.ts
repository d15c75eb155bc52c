/** The case metrics snapshot as Prometheus families. */
import type { CaseMetricsSnapshot } from '../../cases/case-metrics.js';
import { formatLe, renderMetrics, type MetricFamily } from './prometheus-text.js';

export function renderCaseMetrics(s: CaseMetricsSnapshot): string {
  const families: MetricFamily[] = [
    {
      name: 'gridwatch_cases',
      help: 'Cases by violation type and status.',
      type: 'gauge',
      samples: s.cases.map((c) => ({ labels: { type: c.type, status: c.status }, value: c.count })),
    },
    {
      name: 'gridwatch_review_latency_seconds',
      help: "Time from a case's creation to a reviewer's confirm or reject.",
      type: 'histogram',
      samples: [
        ...s.reviewLatency.buckets.map((b) => ({
          suffix: '_bucket',
          labels: { le: formatLe(b.le) },
          value: b.count,
        })),
        { suffix: '_sum', value: s.reviewLatency.sumSeconds },
        { suffix: '_count', value: s.reviewLatency.count },
      ],
    },
    {
      name: 'gridwatch_source_precision',
      help: 'Confirmed / decided cases per source (confirmed includes dispatched and closed).',
      type: 'gauge',
      samples: s.precision.map((p) => ({ labels: { source: p.sourceId }, value: p.precision })),
    },
    {
      name: 'gridwatch_source_decided_cases',
      help: 'Cases a reviewer decided, per source and decision.',
      type: 'gauge',
      samples: s.precision.flatMap((p) => [
        { labels: { source: p.sourceId, decision: 'confirmed' }, value: p.confirmed },
        { labels: { source: p.sourceId, decision: 'rejected' }, value: p.decided - p.confirmed },
      ]),
    },
  ];
  return renderMetrics(families);
}
