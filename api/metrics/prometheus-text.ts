/** Prometheus text exposition format (version 0.0.4), written by hand: three families do not need a client library. */

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface Sample {
  /** Suffix appended to the family name, e.g. `_bucket`. */
  suffix?: string;
  labels?: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: 'gauge' | 'counter' | 'histogram';
  samples: Sample[];
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export function formatLe(bound: number): string {
  return bound === Infinity ? '+Inf' : String(bound);
}

export function renderMetrics(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const f of families) {
    lines.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const labels = Object.entries(s.labels ?? {});
      const labelText = labels.length
        ? `{${labels.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`
        : '';
      lines.push(`${f.name}${s.suffix ?? ''}${labelText} ${formatValue(s.value)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
