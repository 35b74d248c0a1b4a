import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '#bridge/observability/metrics-registry';

describe('MetricsRegistry', () => {
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

  it('runs scrape collectors before a Prometheus render only, never before an EMF snapshot', () => {
    const registry = new MetricsRegistry();
    const g = registry.gauge({ name: 'scrapes', help: 'S.', labelNames: [] });
    let scrapes = 0;
    registry.onScrape(() => {
      throw new Error('broken');
    });
    registry.onScrape(() => g.set({}, ++scrapes));
    registry.snapshot();
    registry.snapshot();
    expect(scrapes).toBe(0);
    expect(registry.renderPrometheus()).toContain('scrapes 1\n');
    expect(registry.snapshot()[0]?.series[0]?.value).toBe(1);
    expect(scrapes).toBe(1);
  });
});
