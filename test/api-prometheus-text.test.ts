import { describe, expect, it } from 'vitest';
import { renderMetrics } from '../api/metrics/prometheus-text.js';

describe('Prometheus text format', () => {
  it('writes HELP, TYPE and samples with escaped label values', () => {
    const text = renderMetrics([
      {
        name: 'gridwatch_source_precision',
        help: 'Share confirmed.\nSecond line \\ here',
        type: 'gauge',
        samples: [
          { labels: { source: 'cam "a"\\b\nc' }, value: 0.75 },
          { labels: { source: 'x' }, value: NaN },
        ],
      },
      {
        name: 'h',
        help: 'h',
        type: 'histogram',
        samples: [{ suffix: '_bucket', labels: { le: '+Inf' }, value: 3 }],
      },
    ]);
    expect(text).toBe(
      [
        '# HELP gridwatch_source_precision Share confirmed.\\nSecond line \\\\ here',
        '# TYPE gridwatch_source_precision gauge',
        'gridwatch_source_precision{source="cam \\"a\\"\\\\b\\nc"} 0.75',
        'gridwatch_source_precision{source="x"} NaN',
        '# HELP h h',
        '# TYPE h histogram',
        'h_bucket{le="+Inf"} 3',
        '',
      ].join('\n'),
    );
  });
});
