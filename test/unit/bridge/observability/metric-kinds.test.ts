import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '#bridge/observability/metrics-registry';

describe('Counter, Gauge, Histogram', () => {
  it('counts and observes through bound series exactly as through labels', () => {
    const registry = new MetricsRegistry();
    const c = registry.counter({ name: 'b_total', help: 'B.', labelNames: ['s'] });
    const h = registry.histogram({ name: 'l_seconds', help: 'L.', labelNames: ['s'], buckets: [0.1, 1] });
    const bound = { c: c.bind({ s: 'x' }), h: h.bind({ s: 'x' }) };
    bound.c.inc();
    bound.c.inc(2);
    c.inc({ s: 'x' });
    for (const v of [0.05, 0.5, Number.NaN, 3]) bound.h.observe(v);
    h.observe({ s: 'x' }, 0.1);
    const text = registry.renderPrometheus();
    expect(text).toContain('b_total{s="x"} 4\n');
    expect(text).toContain('l_seconds_bucket{s="x",le="0.1"} 2\n');
    expect(text).toContain('l_seconds_bucket{s="x",le="+Inf"} 4\n');
    expect(text).toContain('l_seconds_count{s="x"} 4\n');
    expect(() => bound.c.inc(-1)).toThrow('b_total can only increase');
  });

  it('folds label sets beyond the series cap into _other', () => {
    const registry = new MetricsRegistry({ maxSeriesPerMetric: 2 });
    const c = registry.counter({ name: 'r_total', help: 'R.', labelNames: ['reason'] });
    for (const reason of ['a', 'b', 'c', 'd', 'a']) c.inc({ reason });
    const [snap] = registry.snapshot();
    expect(snap?.series.map((s) => [s.labels.reason, s.value])).toEqual([
      ['a', 2],
      ['b', 1],
      ['_other', 2],
    ]);
  });
});
