import { describe, expect, it } from 'vitest';
import { createBridgeMetrics } from '#bridge/observability/metric-definitions';
import { MetricsRegistry } from '#bridge/observability/metrics-registry';
import { parsePrometheusText, sumWhere } from '#cli/status/prometheus-text';

describe('parsePrometheusText', () => {
  it('reads names, escaped labels, special values and skips comments', () => {
    const { samples, invalid } = parsePrometheusText(
      [
        '# HELP x_total Things.',
        '# TYPE x_total counter',
        'x_total{a="1",b="q\\"uote\\\\ \\n"} 3',
        'up 1 1700000000000',
        'h_bucket{le="+Inf"} 7',
        'nan_gauge NaN',
        'inf_gauge +Inf',
        'broken{a="1" 2',
        '',
      ].join('\n'),
    );
    expect(samples).toEqual([
      { name: 'x_total', labels: { a: '1', b: 'q"uote\\ \n' }, value: 3 },
      { name: 'up', labels: {}, value: 1 },
      { name: 'h_bucket', labels: { le: '+Inf' }, value: 7 },
      { name: 'nan_gauge', labels: {}, value: Number.NaN },
      { name: 'inf_gauge', labels: {}, value: Number.POSITIVE_INFINITY },
    ]);
    expect(invalid).toEqual(['broken{a="1" 2']);
  });

  it('reads what the bridge registry renders, and sums series by label', () => {
    const registry = new MetricsRegistry();
    const m = createBridgeMetrics(registry);
    m.invocations.inc({ subscription: 'a', outcome: 'ok' }, 5);
    m.invocations.inc({ subscription: 'a', outcome: 'functionError' }, 2);
    m.invocations.inc({ subscription: 'a', outcome: 'ambiguous' }, 1);
    m.invocations.inc({ subscription: 'b', outcome: 'functionError' }, 9);
    const { samples, invalid } = parsePrometheusText(registry.renderPrometheus());
    expect(invalid).toEqual([]);
    const sub = (v: string | undefined) => v === 'a';
    expect(sumWhere(samples, 'nsq_lambda_invocations_total', { subscription: sub })).toBe(8);
    expect(
      sumWhere(samples, 'nsq_lambda_invocations_total', { subscription: sub, outcome: (v) => v !== 'ok' }),
    ).toBe(3);
    expect(sumWhere(samples, 'nsq_lambda_missing_total')).toBeUndefined();
  });
});
