import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '#bridge/observability/metrics-registry';

describe('MetricsRegistry', () => {
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

  it('rejects bad names, duplicate metrics, decreasing counters and unsorted buckets', () => {
    const registry = new MetricsRegistry();
    expect(() => registry.counter({ name: 'bad-name', help: '', labelNames: [] })).toThrow(
      /invalid metric name/,
    );
    expect(() => registry.counter({ name: 'ok_total', help: '', labelNames: ['le'] })).toThrow(
      /invalid label/,
    );
    const c = registry.counter({ name: 'c_total', help: '', labelNames: [] });
    expect(() => registry.gauge({ name: 'c_total', help: '', labelNames: [] })).toThrow(/already registered/);
    expect(() => c.inc({}, -1)).toThrow(/only increase/);
    expect(() => registry.histogram({ name: 'h', help: '', labelNames: [], buckets: [1, 1] })).toThrow(
      /ascending/,
    );
  });

  it('runs collectors before every read and survives a throwing one', () => {
    const registry = new MetricsRegistry();
    const g = registry.gauge({ name: 'live', help: 'L.', labelNames: [] });
    let n = 0;
    registry.onCollect(() => {
      throw new Error('broken');
    });
    registry.onCollect(() => g.set({}, ++n));
    expect(registry.renderPrometheus()).toContain('live 1\n');
    expect(registry.renderPrometheus()).toContain('live 2\n');
  });
});
