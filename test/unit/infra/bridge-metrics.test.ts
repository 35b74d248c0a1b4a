/**
 * The metric names the dashboard, alarms and autoscaling read (BRIDGE_METRICS) are the ones the bridge
 * actually emits through EMF: same names, same namespace, same single dimension.
 */
import { describe, expect, it } from 'vitest';
import { startBacklogMonitor } from '#bridge/backlog/backlog-monitor';
import { renderEmf } from '#bridge/observability/emf';
import { createBridgeMetrics } from '#bridge/observability/metric-definitions';
import { MetricsRegistry } from '#bridge/observability/metrics-registry';
import { BRIDGE_METRICS, METRICS_BY_REASON } from '#infra/lib/nsq-lambda-bridge';

interface MetricLike {
  readonly options: { readonly labelNames: readonly string[]; readonly emf?: { readonly name: string } };
  inc?: (labels: Record<string, string>, by?: number) => void;
  observe?: (labels: Record<string, string>, value: number) => void;
}

async function emittedMetrics(): Promise<Map<string, readonly string[][]>> {
  const registry = new MetricsRegistry();
  // One sample in every bridge metric, labelled with every label it declares.
  for (const metric of Object.values(createBridgeMetrics(registry)) as MetricLike[]) {
    const labels = Object.fromEntries(metric.options.labelNames.map((l) => [l, 'sub-a']));
    if (metric.inc) metric.inc(labels, 1);
    else metric.observe?.(labels, 1);
  }
  // The backlog monitor with no nsqd to read still publishes its gauges for the subscription.
  const monitor = startBacklogMonitor({
    registry,
    subscriptions: [{ name: 'sub-a', topic: 't', channel: 'c', nsqdHttpAddresses: [] }],
    intervalMs: 3_600_000,
  });
  await monitor.poll();
  monitor.stop();
  const emitted = new Map<string, string[][]>();
  for (const line of renderEmf(registry.snapshot(), new Map(), BRIDGE_METRICS.namespace, 0)) {
    for (const directive of line._aws.CloudWatchMetrics) {
      expect(directive.Namespace).toBe(BRIDGE_METRICS.namespace);
      for (const m of directive.Metrics)
        emitted.set(
          m.Name,
          directive.Dimensions.map((d) => [...d]),
        );
    }
  }
  return emitted;
}

describe('BRIDGE_METRICS', () => {
  it('names only metrics the bridge emits, with the dimensions it emits them with', async () => {
    const emitted = await emittedMetrics();
    const { namespace: _ns, dimension, reasonDimension, ...names } = BRIDGE_METRICS;
    for (const name of Object.values(names)) {
      expect(emitted.has(name), `the bridge emits no EMF metric ${name}`).toBe(true);
      const dimensions = METRICS_BY_REASON.includes(name) ? [dimension, reasonDimension] : [dimension];
      expect(emitted.get(name), name).toEqual([dimensions]);
    }
  });
});
