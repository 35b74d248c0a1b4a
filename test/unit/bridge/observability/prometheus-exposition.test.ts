import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '#bridge/observability/metrics-registry';

describe('renderPrometheusText (through MetricsRegistry.renderPrometheus)', () => {
  it('renders counters and gauges in the Prometheus text format, escaping label values', () => {
    // Prepare
    const registry = new MetricsRegistry();
    const c = registry.counter({ name: 'x_total', help: 'Some\ncount.', labelNames: ['sub'] });
    const g = registry.gauge({ name: 'level', help: 'A level.', labelNames: [] });
    // Act
    c.inc({ sub: 'a' });
    c.inc({ sub: 'a' }, 2);
    c.inc({ sub: 'q"\\\nz' });
    g.set({}, 1.5);
    g.dec({}, 0.5);
    // Assess
    expect(registry.renderPrometheus()).toBe(
      [
        '# HELP x_total Some\\ncount.',
        '# TYPE x_total counter',
        'x_total{sub="a"} 3',
        'x_total{sub="q\\"\\\\\\nz"} 1',
        '# HELP level A level.',
        '# TYPE level gauge',
        'level 1',
        '',
      ].join('\n'),
    );
  });

  it('renders histograms with cumulative buckets, +Inf, sum and count', () => {
    const registry = new MetricsRegistry();
    const h = registry.histogram({ name: 'd_seconds', help: 'D.', labelNames: ['o'], buckets: [0.1, 1] });
    for (const v of [0.05, 0.1, 0.5, 3]) h.observe({ o: 'ok' }, v);
    const text = registry.renderPrometheus();
    expect(text).toContain('d_seconds_bucket{o="ok",le="0.1"} 2\n');
    expect(text).toContain('d_seconds_bucket{o="ok",le="1"} 3\n');
    expect(text).toContain('d_seconds_bucket{o="ok",le="+Inf"} 4\n');
    expect(text).toContain('d_seconds_sum{o="ok"} 3.65\n');
    expect(text).toContain('d_seconds_count{o="ok"} 4\n');
  });
});
