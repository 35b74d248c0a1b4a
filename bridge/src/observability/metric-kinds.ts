/**
 * The metric kinds of the registry (metrics-registry.ts): counters, gauges and histograms with labels,
 * each able to give a snapshot of its series.
 *
 * Label cardinality is bounded: once a metric has `maxSeriesPerMetric` series, further label sets are
 * folded into one series whose label values are all `_other`, so a stray free-text label value can
 * never grow memory without limit.
 */

export type Labels<L extends string> = { readonly [K in L]: string };

/** CloudWatch units used by the bridge's metrics. */
export type EmfUnit = 'Count' | 'Seconds' | 'Milliseconds' | 'Bytes' | 'None';

export interface MetricOptions<L extends string> {
  /** Prometheus name: `[a-zA-Z_:][a-zA-Z0-9_:]*`; counters end in `_total`. */
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  /** The CloudWatch metric name and unit; unset keeps the metric out of EMF. */
  readonly emf?: { readonly name: string; readonly unit: EmfUnit };
}

export interface HistogramOptions<L extends string> extends MetricOptions<L> {
  /** Upper bounds, ascending (the `+Inf` bucket is implicit). */
  readonly buckets: readonly number[];
}

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface SeriesSnapshot {
  readonly labels: Readonly<Record<string, string>>;
  /** Counter total or gauge value. */
  readonly value: number;
  /** Histograms: per-bucket (not cumulative) counts, aligned with `buckets` plus a final +Inf bucket. */
  readonly bucketCounts?: readonly number[];
  readonly sum?: number;
  readonly count?: number;
}

export interface MetricSnapshot {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  readonly emf?: { readonly name: string; readonly unit: EmfUnit };
  readonly buckets?: readonly number[];
  readonly series: readonly SeriesSnapshot[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const OTHER = '_other';
const MAX_LABEL_VALUE_CHARS = 128;

interface Series {
  labels: Record<string, string>;
  value: number;
  bucketCounts?: number[];
  sum?: number;
  count?: number;
}

abstract class Metric<L extends string> {
  readonly #series = new Map<string, Series>();
  /** One-label metrics: each label value's series. */
  readonly #byValue = new Map<string, Series>();
  abstract readonly type: MetricType;

  constructor(
    readonly options: MetricOptions<L>,
    readonly maxSeries: number,
  ) {
    if (!NAME.test(options.name)) throw new RangeError(`invalid metric name ${JSON.stringify(options.name)}`);
    for (const l of options.labelNames)
      if (!LABEL.test(l) || l === 'le')
        throw new RangeError(`invalid label name ${JSON.stringify(l)} on ${options.name}`);
  }

  protected abstract create(labels: Record<string, string>): Series;

  protected series(labels: Labels<L>): Series {
    const names = this.options.labelNames;
    // The hot path (one label, e.g. `subscription`): a lookup by the value itself, no allocation.
    if (names.length === 1) {
      const raw = labels[names[0] as L];
      if (typeof raw === 'string') {
        const found = this.#byValue.get(raw);
        if (found) return found;
      }
    }
    const values: Record<string, string> = {};
    for (const l of names) {
      const v = String(labels[l] ?? '');
      values[l] = v.length > MAX_LABEL_VALUE_CHARS ? v.slice(0, MAX_LABEL_VALUE_CHARS) : v;
    }
    let key = JSON.stringify(names.map((l) => values[l]));
    let found = this.#series.get(key);
    if (!found && this.#series.size >= this.maxSeries) {
      for (const l of names) values[l] = OTHER;
      key = JSON.stringify(names.map(() => OTHER));
      return this.#getOrCreate(key, values);
    }
    found ??= this.#getOrCreate(key, values);
    // Only values that are their series' own (never an overflow into _other, never truncated) are
    // cached, so the cache stays as small as the series.
    const raw = labels[names[0] as L];
    if (names.length === 1 && typeof raw === 'string' && raw.length <= MAX_LABEL_VALUE_CHARS)
      this.#byValue.set(raw, found);
    return found;
  }

  #getOrCreate(key: string, values: Record<string, string>): Series {
    let found = this.#series.get(key);
    if (!found) {
      found = this.create(values);
      this.#series.set(key, found);
    }
    return found;
  }

  /** Removes every series (e.g. gauges recomputed from scratch). */
  reset(): void {
    this.#series.clear();
    this.#byValue.clear();
  }

  snapshot(): MetricSnapshot {
    return {
      name: this.options.name,
      type: this.type,
      help: this.options.help,
      ...(this.options.emf ? { emf: this.options.emf } : {}),
      series: [...this.#series.values()].map((s) => ({
        labels: { ...s.labels },
        value: s.value,
        ...(s.bucketCounts
          ? { bucketCounts: [...s.bucketCounts], sum: s.sum ?? 0, count: s.count ?? 0 }
          : {}),
      })),
    };
  }
}

export class Counter<L extends string = never> extends Metric<L> {
  readonly type = 'counter';
  protected create(labels: Record<string, string>): Series {
    return { labels, value: 0 };
  }
  inc(labels: Labels<L>, by = 1): void {
    this.#add(this.series(labels), by);
  }

  /** The series of `labels`, for a caller that counts often under the same labels (no lookup per count). */
  bind(labels: Labels<L>): { inc(by?: number): void } {
    const series = this.series(labels);
    return { inc: (by = 1) => this.#add(series, by) };
  }

  #add(series: Series, by: number): void {
    if (!(by >= 0)) throw new RangeError(`counter ${this.options.name} can only increase (got ${by})`);
    series.value += by;
  }
}

export class Gauge<L extends string = never> extends Metric<L> {
  readonly type = 'gauge';
  protected create(labels: Record<string, string>): Series {
    return { labels, value: 0 };
  }
  set(labels: Labels<L>, value: number): void {
    this.series(labels).value = value;
  }
  inc(labels: Labels<L>, by = 1): void {
    this.series(labels).value += by;
  }
  dec(labels: Labels<L>, by = 1): void {
    this.series(labels).value -= by;
  }
}

export class Histogram<L extends string = never> extends Metric<L> {
  readonly type = 'histogram';
  readonly buckets: readonly number[];

  constructor(options: HistogramOptions<L>, maxSeries: number) {
    super(options, maxSeries);
    const b = options.buckets;
    if (b.length === 0 || b.some((x, i) => !Number.isFinite(x) || (i > 0 && x <= (b[i - 1] as number))))
      throw new RangeError(`histogram ${options.name} needs finite, strictly ascending buckets`);
    this.buckets = [...b];
  }

  protected create(labels: Record<string, string>): Series {
    return { labels, value: 0, bucketCounts: new Array(this.buckets.length + 1).fill(0), sum: 0, count: 0 };
  }

  observe(labels: Labels<L>, value: number): void {
    if (Number.isNaN(value)) return;
    this.#record(this.series(labels), value);
  }

  /** The series of `labels`, for a caller that observes often under the same labels. */
  bind(labels: Labels<L>): { observe(value: number): void } {
    const series = this.series(labels);
    return {
      observe: (value: number) => {
        if (!Number.isNaN(value)) this.#record(series, value);
      },
    };
  }

  #record(s: Series, value: number): void {
    // A plain loop: this runs once per message, and a findIndex callback would allocate each time.
    const buckets = this.buckets;
    let i = 0;
    while (i < buckets.length && value > (buckets[i] as number)) i++;
    (s.bucketCounts as number[])[i] = ((s.bucketCounts as number[])[i] ?? 0) + 1;
    s.sum = (s.sum ?? 0) + value;
    s.count = (s.count ?? 0) + 1;
  }

  override snapshot(): MetricSnapshot {
    return { ...super.snapshot(), buckets: this.buckets };
  }
}
