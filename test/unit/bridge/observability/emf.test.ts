import { describe, expect, it } from 'vitest';
import { renderEmf, startEmfEmitter } from '#bridge/observability/emf';
import { MetricsRegistry } from '#bridge/observability/metrics-registry';

function setup() {
  const registry = new MetricsRegistry();
  const received = registry.counter({
    name: 'received_total',
    help: '',
    labelNames: ['subscription'],
    emf: { name: 'MessagesReceived', unit: 'Count' },
  });
  const depth = registry.gauge({
    name: 'depth',
    help: '',
    labelNames: ['subscription'],
    emf: { name: 'Backlog', unit: 'Count' },
  });
  const duration = registry.histogram({
    name: 'duration_seconds',
    help: '',
    labelNames: ['subscription'],
    buckets: [0.1, 1],
    emf: { name: 'InvocationDuration', unit: 'Seconds' },
  });
  const hidden = registry.counter({ name: 'hidden_total', help: '', labelNames: ['subscription'] });
  return { registry, received, depth, duration, hidden };
}

describe('renderEmf', () => {
  it('writes one EMF line per label set with counter deltas, gauge values and histogram values/counts', () => {
    // Prepare
    const { registry, received, depth, duration, hidden } = setup();
    const previous = new Map();
    received.inc({ subscription: 'a' }, 5);
    depth.set({ subscription: 'a' }, 42);
    duration.observe({ subscription: 'a' }, 0.05);
    duration.observe({ subscription: 'a' }, 0.07);
    duration.observe({ subscription: 'a' }, 7);
    hidden.inc({ subscription: 'a' });
    received.inc({ subscription: 'b' });
    // Act
    const lines = renderEmf(registry.snapshot(), previous, 'NsqLambda', 1_000);
    // Assess
    expect(lines).toHaveLength(2);
    expect(lines[0]).toEqual({
      _aws: {
        Timestamp: 1_000,
        CloudWatchMetrics: [
          {
            Namespace: 'NsqLambda',
            Dimensions: [['subscription']],
            Metrics: [
              { Name: 'MessagesReceived', Unit: 'Count' },
              { Name: 'Backlog', Unit: 'Count' },
              { Name: 'InvocationDuration', Unit: 'Seconds' },
            ],
          },
        ],
      },
      subscription: 'a',
      MessagesReceived: 5,
      Backlog: 42,
      InvocationDuration: { Values: [0.1, 1], Counts: [2, 1] },
    });
    expect(lines[1]).toMatchObject({ subscription: 'b', MessagesReceived: 1 });

    // Act: the next interval only carries what happened since.
    received.inc({ subscription: 'a' }, 2);
    duration.observe({ subscription: 'a' }, 0.5);
    const next = renderEmf(registry.snapshot(), previous, 'NsqLambda', 2_000);
    // Assess
    expect(next[0]).toMatchObject({
      MessagesReceived: 2,
      Backlog: 42,
      InvocationDuration: { Values: [1], Counts: [1] },
    });
    expect(next[1]).toMatchObject({ subscription: 'b', MessagesReceived: 0 });
    expect(next[1]).not.toHaveProperty('InvocationDuration');
  });

  it('splits more than 100 metrics of one label set over several lines', () => {
    const registry = new MetricsRegistry();
    for (let i = 0; i < 150; i++)
      registry
        .gauge({ name: `g${i}`, help: '', labelNames: [], emf: { name: `G${i}`, unit: 'None' } })
        .set({}, i);
    const lines = renderEmf(registry.snapshot(), new Map(), 'N', 0);
    expect(lines.map((l) => l._aws.CloudWatchMetrics[0]?.Metrics.length)).toEqual([100, 50]);
    expect(lines[1]?.G149).toBe(149);
    expect(lines[0]?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([[]]);
  });
});

describe('startEmfEmitter', () => {
  it('flushes JSON lines on demand and once more on stop', () => {
    const { registry, received } = setup();
    const written: string[] = [];
    const emitter = startEmfEmitter({
      registry,
      intervalMs: 3_600_000,
      write: (l) => written.push(l),
      now: () => 7,
    });
    received.inc({ subscription: 'a' }, 3);
    emitter.flush();
    received.inc({ subscription: 'a' });
    emitter.stop();
    emitter.stop();
    expect(written.map((l) => JSON.parse(l).MessagesReceived)).toEqual([3, 1]);
    expect(JSON.parse(written[0] ?? '')._aws.Timestamp).toBe(7);
  });
});
