/**
 * A small, dependency-free metrics registry: counters, gauges and histograms with labels
 * (metric-kinds.ts). It renders the Prometheus text exposition format (for `/metrics`,
 * prometheus-exposition.ts) and exposes series snapshots that `emf.ts` turns into CloudWatch Embedded
 * Metric Format lines.
 */
import {
  Counter,
  Gauge,
  Histogram,
  type HistogramOptions,
  type MetricOptions,
  type MetricSnapshot,
} from './metric-kinds.ts';
import { renderPrometheusText } from './prometheus-exposition.ts';

export interface MetricsRegistryOptions {
  /** Distinct label sets per metric before new ones fold into `_other`. @default 1_000 */
  readonly maxSeriesPerMetric?: number;
}

export class MetricsRegistry {
  readonly #metrics = new Map<
    string,
    { readonly options: { readonly name: string }; snapshot(): MetricSnapshot }
  >();
  readonly #collectors: Array<() => void> = [];
  readonly #scrapeCollectors: Array<() => void> = [];
  readonly #maxSeries: number;

  constructor(options: MetricsRegistryOptions = {}) {
    this.#maxSeries = options.maxSeriesPerMetric ?? 1_000;
  }

  #add<M extends { readonly options: { readonly name: string }; snapshot(): MetricSnapshot }>(metric: M): M {
    if (this.#metrics.has(metric.options.name))
      throw new Error(`metric ${metric.options.name} is already registered`);
    this.#metrics.set(metric.options.name, metric);
    return metric;
  }

  counter<L extends string = never>(options: MetricOptions<L>): Counter<L> {
    return this.#add(new Counter<L>(options, this.#maxSeries));
  }

  gauge<L extends string = never>(options: MetricOptions<L>): Gauge<L> {
    return this.#add(new Gauge<L>(options, this.#maxSeries));
  }

  histogram<L extends string = never>(options: HistogramOptions<L>): Histogram<L> {
    return this.#add(new Histogram<L>(options, this.#maxSeries));
  }

  /** Runs before every read (render or snapshot), e.g. to set gauges from live state. */
  onCollect(collect: () => void): void {
    this.#collectors.push(collect);
  }

  /**
   * Runs before every Prometheus render only, never before an EMF snapshot: for figures over the
   * window between two scrapes (the event-loop delay, process-metrics.ts), which a read must close.
   */
  onScrape(collect: () => void): void {
    this.#scrapeCollectors.push(collect);
  }

  /** Every metric's current state. Collectors run first; a throwing collector is skipped. */
  snapshot(): MetricSnapshot[] {
    runAll(this.#collectors);
    return [...this.#metrics.values()].map((m) => m.snapshot());
  }

  /** Prometheus text exposition format, version 0.0.4. Scrape collectors run first, then `snapshot()`. */
  renderPrometheus(): string {
    runAll(this.#scrapeCollectors);
    return renderPrometheusText(this.snapshot());
  }
}

function runAll(collectors: ReadonlyArray<() => void>): void {
  for (const collect of collectors) {
    try {
      collect();
    } catch {
      // A broken collector must not take /metrics or EMF down; its gauges keep their last values.
    }
  }
}
