/**
 * What the live table of `npm start` shows, computed from the bridge's Prometheus text: counters summed
 * per subscription, the p99 of the message latency histogram, messages per second over a recent window,
 * and whether the subscription's toggle has it paused. Pure functions, tested as tables.
 */
import { sumBySubscription } from './bridge-process.ts';

/** The counters of one subscription as /metrics reports them (cumulative since the bridge started). */
export interface SubscriptionCounters {
  readonly subscription: string;
  readonly received: number;
  readonly finished: number;
  readonly requeued: number;
  readonly deadLettered: number;
  readonly throttled: number;
  /** Invokes that returned a function error (nsq_lambda_function_errors_total). */
  readonly errors: number;
  readonly inFlight: number;
  /** The toggle's state as the bridge applies it: 'stopped' while it keeps the subscription paused. */
  readonly toggle: 'started' | 'stopped';
  /** p99 of receipt-to-FIN of finished messages since start; undefined before the first. */
  readonly p99Ms: number | undefined;
}

/** A cumulative histogram bucket: `count` observations were <= `le`. */
export interface Bucket {
  readonly le: number;
  readonly count: number;
}

const P = 'nsq_lambda_';

/** Cumulative buckets of a histogram per `subscription` label (other labels added up), sorted by `le`. */
export function bucketsBySubscription(metricsText: string, histogram: string): Map<string, Bucket[]> {
  const sums = new Map<string, Map<number, number>>();
  const pattern = new RegExp(`^${histogram}_bucket\\{([^}]*)\\}\\s+([0-9.eE+-]+)$`);
  for (const line of metricsText.split('\n')) {
    const m = pattern.exec(line.trim());
    if (!m?.[1] || m[2] === undefined) continue;
    const sub = /(?:^|,)subscription="([^"]*)"/.exec(m[1])?.[1];
    const le = /(?:^|,)le="([^"]*)"/.exec(m[1])?.[1];
    if (sub === undefined || le === undefined) continue;
    const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
    const perLe = sums.get(sub) ?? new Map<number, number>();
    perLe.set(bound, (perLe.get(bound) ?? 0) + Number(m[2]));
    sums.set(sub, perLe);
  }
  const out = new Map<string, Bucket[]>();
  for (const [sub, perLe] of sums)
    out.set(
      sub,
      [...perLe].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le),
    );
  return out;
}

/**
 * The q-quantile of cumulative buckets, interpolated linearly within the bucket it falls in, as
 * Prometheus' histogram_quantile does; in the +Inf bucket, the largest finite bound. Undefined when empty.
 */
export function histogramQuantile(q: number, buckets: readonly Bucket[]): number | undefined {
  const total = buckets.at(-1)?.count ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let lowerLe = 0;
  let lowerCount = 0;
  for (const b of buckets) {
    if (b.count >= rank) {
      if (b.le === Number.POSITIVE_INFINITY) return lowerLe;
      if (b.count === lowerCount) return b.le;
      return lowerLe + ((b.le - lowerLe) * (rank - lowerCount)) / (b.count - lowerCount);
    }
    lowerLe = b.le;
    lowerCount = b.count;
  }
  return lowerLe;
}

/** Reads every subscription's counters from the bridge's Prometheus text; zero when absent. */
export function countersFromMetrics(
  metricsText: string,
  subscriptions: readonly string[],
): SubscriptionCounters[] {
  const read = (metric: string) => sumBySubscription(metricsText, `${P}${metric}`);
  const received = read('messages_received_total');
  const finished = read('messages_finished_total');
  const requeued = read('messages_requeued_total');
  const deadLettered = read('messages_dead_lettered_total');
  const throttled = read('throttles_total');
  const errors = read('function_errors_total');
  const inFlight = read('messages_in_flight');
  const paused = read('paused');
  const latency = bucketsBySubscription(metricsText, `${P}message_latency_seconds`);
  return subscriptions.map((subscription) => {
    const p99Sec = histogramQuantile(0.99, latency.get(subscription) ?? []);
    return {
      subscription,
      received: received.get(subscription) ?? 0,
      finished: finished.get(subscription) ?? 0,
      requeued: requeued.get(subscription) ?? 0,
      deadLettered: deadLettered.get(subscription) ?? 0,
      throttled: throttled.get(subscription) ?? 0,
      errors: errors.get(subscription) ?? 0,
      inFlight: inFlight.get(subscription) ?? 0,
      toggle: (paused.get(subscription) ?? 0) > 0 ? 'stopped' : 'started',
      p99Ms: p99Sec === undefined ? undefined : p99Sec * 1_000,
    };
  });
}

/** A reading of a cumulative count at a time. */
export interface Sample {
  readonly atMs: number;
  readonly count: number;
}

/**
 * Per second over the window ending at the newest sample: from the oldest sample inside the window to the
 * newest. Undefined with fewer than two samples in it (nothing to compare yet).
 */
export function ratePerSec(samples: readonly Sample[], windowMs: number): number | undefined {
  const newest = samples.at(-1);
  if (!newest) return undefined;
  const oldest = samples.find((s) => s.atMs >= newest.atMs - windowMs);
  if (!oldest || oldest.atMs >= newest.atMs) return undefined;
  return (Math.max(0, newest.count - oldest.count) * 1_000) / (newest.atMs - oldest.atMs);
}
