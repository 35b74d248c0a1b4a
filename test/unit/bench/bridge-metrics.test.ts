import { describe, expect, it } from 'vitest';
import { MetricsRegistry } from '#bridge/observability/metrics-registry';
import { attachProcessMetrics } from '#bridge/observability/process-metrics';
import { processFigures, unlabelledValue } from '../../../bench/bridge-metrics.ts';

describe('unlabelledValue', () => {
  it.each([
    ['g 12\n', 'g', 12],
    ['# TYPE g gauge\ng 1.5e+6\n', 'g', 1.5e6],
    ['g_total 3\ng 4\n', 'g', 4],
    ['g{subscription="a"} 5\n', 'g', undefined],
    ['g NaN\n', 'g', undefined],
    ['', 'g', undefined],
  ])('%j: %s is %s', (text, name, value) => {
    expect(unlabelledValue(text, name)).toBe(value);
  });
});

describe('processFigures', () => {
  it("reads heap used and the delay p99 (in ms) from the bridge's own /metrics text", () => {
    // Prepare: the bridge's process metrics, fed by hand.
    const registry = new MetricsRegistry();
    let samples = [10_000_000, 10_000_000, 22_000_000];
    attachProcessMetrics(registry, {
      memory: () => ({ rss: 120e6, heapUsed: 33e6 }),
      watchFullGc: (listener) => {
        listener(21e6);
        return () => {};
      },
      histogram: {
        get count() {
          return samples.length;
        },
        get max() {
          return Math.max(...samples);
        },
        percentile: () => Math.max(...samples),
        reset: () => {
          samples = [];
        },
        disable: () => true,
      },
    });
    // Act
    const figures = processFigures(registry.renderPrometheus());
    // Assess
    expect(figures.heapUsedBytes).toBe(33e6);
    expect(figures.heapAfterFullGcBytes).toBe(21e6);
    expect(figures.eventLoopDelayP99Ms).toBeCloseTo(12, 9);
    expect(processFigures('')).toEqual({
      heapUsedBytes: undefined,
      heapAfterFullGcBytes: undefined,
      eventLoopDelayP99Ms: undefined,
    });
  });
});
