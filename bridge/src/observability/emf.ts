/**
 * CloudWatch Embedded Metric Format: every `intervalMs`, the metrics that have an `emf` name are
 * written to stdout as JSON lines, which the awslogs driver on ECS ships to CloudWatch Logs, where
 * they become metrics (no agent, no PutMetricData calls).
 *
 * - Counters are sent as the increase since the previous flush (CloudWatch sums them).
 * - Gauges are sent as their current value.
 * - Histograms are sent as `{ Values, Counts }` of the observations since the previous flush, one
 *   value per bucket (its upper bound; the overflow bucket reports the last bound). Percentiles in
 *   CloudWatch are therefore bucket-accurate.
 * One line per label set; the metric's labels are its dimensions.
 */
import type { MetricSnapshot } from './metric-kinds.ts';
import type { MetricsRegistry } from './metrics-registry.ts';

/** CloudWatch accepts at most 100 metrics per directive. */
const MAX_METRICS_PER_LINE = 100;

export interface EmfLine {
  readonly _aws: {
    readonly Timestamp: number;
    readonly CloudWatchMetrics: ReadonlyArray<{
      readonly Namespace: string;
      readonly Dimensions: ReadonlyArray<readonly string[]>;
      readonly Metrics: ReadonlyArray<{ readonly Name: string; readonly Unit: string }>;
    }>;
  };
  readonly [key: string]: unknown;
}

function dimensionValue(v: string): string {
  return v === '' ? '_none' : v.slice(0, 1024);
}

/**
 * Turns snapshots into EMF lines. `previous` holds the counter totals and histogram bucket counts
 * of the last flush; it is updated in place.
 */
export function renderEmf(
  snapshots: readonly MetricSnapshot[],
  previous: Map<string, number | readonly number[]>,
  namespace: string,
  timestampMs: number,
): EmfLine[] {
  const groups = new Map<
    string,
    {
      dims: Record<string, string>;
      metrics: { Name: string; Unit: string }[];
      values: Record<string, unknown>;
    }
  >();
  for (const m of snapshots) {
    if (!m.emf) continue;
    for (const s of m.series) {
      const seriesKey = `${m.name}${JSON.stringify(s.labels)}`;
      let value: unknown;
      if (m.type === 'counter') {
        const before = (previous.get(seriesKey) as number | undefined) ?? 0;
        previous.set(seriesKey, s.value);
        value = Math.max(0, s.value - before);
      } else if (m.type === 'gauge') {
        if (!Number.isFinite(s.value)) continue;
        value = s.value;
      } else {
        const counts = s.bucketCounts ?? [];
        const before = (previous.get(seriesKey) as readonly number[] | undefined) ?? [];
        previous.set(seriesKey, counts);
        const buckets = m.buckets ?? [];
        const values: number[] = [];
        const deltas: number[] = [];
        counts.forEach((c, i) => {
          const d = c - (before[i] ?? 0);
          if (d > 0) {
            values.push(buckets[Math.min(i, buckets.length - 1)] ?? 0);
            deltas.push(d);
          }
        });
        if (values.length === 0) continue;
        value = { Values: values, Counts: deltas };
      }
      const dims = Object.fromEntries(Object.entries(s.labels).map(([k, v]) => [k, dimensionValue(v)]));
      const groupKey = JSON.stringify(Object.entries(dims).sort(([a], [b]) => a.localeCompare(b)));
      let group = groups.get(groupKey);
      if (!group) {
        group = { dims, metrics: [], values: {} };
        groups.set(groupKey, group);
      }
      group.metrics.push({ Name: m.emf.name, Unit: m.emf.unit });
      group.values[m.emf.name] = value;
    }
  }
  const lines: EmfLine[] = [];
  for (const g of groups.values()) {
    for (let i = 0; i < g.metrics.length; i += MAX_METRICS_PER_LINE) {
      const metrics = g.metrics.slice(i, i + MAX_METRICS_PER_LINE);
      lines.push({
        _aws: {
          Timestamp: timestampMs,
          CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [Object.keys(g.dims)], Metrics: metrics }],
        },
        ...g.dims,
        ...Object.fromEntries(metrics.map((mm) => [mm.Name, g.values[mm.Name]])),
      });
    }
  }
  return lines;
}

export interface EmfEmitterOptions {
  readonly registry: MetricsRegistry;
  /** CloudWatch namespace. @default 'NsqLambda' */
  readonly namespace?: string;
  /** @default 60_000 */
  readonly intervalMs?: number;
  /** Where lines go. @default one JSON line per write on stdout */
  readonly write?: (line: string) => void;
  readonly now?: () => number;
}

export interface EmfEmitter {
  /** Writes the lines for the interval so far. */
  flush(): void;
  /** Stops the timer and flushes once more, so the last interval is not lost. */
  stop(): void;
}

export function startEmfEmitter(options: EmfEmitterOptions): EmfEmitter {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const now = options.now ?? Date.now;
  const namespace = options.namespace ?? 'NsqLambda';
  const previous = new Map<string, number | readonly number[]>();
  const flush = () => {
    for (const line of renderEmf(options.registry.snapshot(), previous, namespace, now())) {
      write(JSON.stringify(line));
    }
  };
  const timer = setInterval(flush, options.intervalMs ?? 60_000);
  timer.unref();
  let stopped = false;
  return {
    flush,
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      flush();
    },
  };
}
