/**
 * The pure parts of `npm run bench:soak`: the sampling schedule, drift from 10 % to 100 % of the messages
 * (a least-squares line through the samples, so one noisy sample does not decide it), the descriptor
 * trend, the message accounting, the verdicts against the targets, and the CSV. No I/O.
 */
import type { BenchRun } from './results.ts';

/** One sample of the bridge, taken every `intervalSec`. */
export interface SoakSample {
  /** Seconds since the channel was unpaused. */
  readonly elapsedSec: number;
  /** Messages FINished so far (nsqd's count: handled or dead-lettered). */
  readonly finished: number;
  /** Messages FINished per second since the previous sample. */
  readonly msgsPerSec: number;
  readonly rssBytes: number;
  /** The bridge's `nsq_lambda_process_heap_used_bytes`; undefined when its /metrics did not answer. */
  readonly heapUsedBytes: number | undefined;
  /**
   * The bridge's `nsq_lambda_process_heap_after_full_gc_bytes`: the live heap after its last full GC
   * (heap used rises and falls with garbage between collections; only this shows a leak). Undefined
   * before the first full GC or when /metrics did not answer.
   */
  readonly heapAfterFullGcBytes: number | undefined;
  readonly openFds: number;
  /**
   * The bridge's `nsq_lambda_event_loop_delay_p99_seconds` in ms: how late its 10 ms timer ran, p99 over
   * the interval since the previous sample (each scrape starts a new window).
   */
  readonly eventLoopDelayP99Ms: number | undefined;
  /** CPU seconds (user + system) the bridge used so far. */
  readonly cpuSeconds: number;
}

/**
 * When the next sample is due: the next multiple of `intervalMs` after `startMs` that is later than
 * `nowMs`. A slow sample skips the ticks it missed instead of bunching the following ones.
 */
export function nextSampleAtMs(startMs: number, intervalMs: number, nowMs: number): number {
  if (!(intervalMs > 0)) throw new RangeError(`interval must be > 0, got ${intervalMs}`);
  const ticks = Math.floor((nowMs - startMs) / intervalMs) + 1;
  return startMs + Math.max(1, ticks) * intervalMs;
}

/** Messages per second between two samples (0 when no time passed). */
export function rateBetween(
  previous: { readonly elapsedSec: number; readonly finished: number },
  now: { readonly elapsedSec: number; readonly finished: number },
): number {
  const seconds = now.elapsedSec - previous.elapsedSec;
  return seconds > 0 ? (now.finished - previous.finished) / seconds : 0;
}

export interface Line {
  readonly slope: number;
  readonly intercept: number;
}

/** Least-squares line through `points` ([x, y]); undefined for fewer than 2 distinct x. */
export function fitLine(points: ReadonlyArray<readonly [number, number]>): Line | undefined {
  const n = points.length;
  if (n < 2) return undefined;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const [x, y] of points) {
    sxx += (x - mx) ** 2;
    sxy += (x - mx) * (y - my);
  }
  if (sxx === 0) return undefined;
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

export interface Drift {
  /** The fitted value when 10 % of the messages were through. */
  readonly from: number;
  /** The fitted value at the end of the run. */
  readonly to: number;
  /** (to − from) / from; NaN when `from` is 0. */
  readonly fraction: number;
  /** to − from, in the figure's unit. */
  readonly change: number;
  readonly samples: number;
}

/** When drift starts: the first sample at which `fromFraction` of the run's messages were through. */
export function driftStartSec(samples: readonly SoakSample[], fromFraction = 0.1): number | undefined {
  const last = samples.at(-1);
  if (last === undefined) return undefined;
  return samples.find((s) => s.finished >= fromFraction * last.finished)?.elapsedSec;
}

/** Fewest samples a drift is computed from (two points always fit a line exactly). */
export const MIN_DRIFT_SAMPLES = 3;

/**
 * Drift of a figure from `fromFraction` (10 %) of the run to its end: a least-squares line through
 * the samples from the first one at which that share of the messages was through (so the start-up,
 * however long it takes, stays out) to the last, read at both ends. Undefined with fewer than
 * MIN_DRIFT_SAMPLES.
 */
export function driftOf(
  samples: readonly SoakSample[],
  value: (s: SoakSample) => number | undefined,
  fromFraction = 0.1,
): Drift | undefined {
  const end = samples.at(-1)?.elapsedSec;
  const start = driftStartSec(samples, fromFraction);
  if (end === undefined || start === undefined) return undefined;
  const points: Array<[number, number]> = [];
  for (const s of samples) {
    const v = value(s);
    if (s.elapsedSec >= start && v !== undefined && Number.isFinite(v)) points.push([s.elapsedSec, v]);
  }
  if (points.length < MIN_DRIFT_SAMPLES) return undefined;
  const line = fitLine(points);
  if (!line) return undefined;
  const from = line.intercept + line.slope * start;
  const to = line.intercept + line.slope * end;
  return {
    from,
    to,
    change: to - from,
    fraction: from === 0 ? Number.NaN : (to - from) / from,
    samples: points.length,
  };
}

/** Every published message accounted for: handled (FIN after success) or dead-lettered. */
export interface Accounting {
  readonly published: number;
  /** The bridge's nsq_lambda_messages_finished_total. */
  readonly handled: number;
  /** The bridge's nsq_lambda_messages_dead_lettered_total. */
  readonly deadLettered: number;
  /** Messages nsqd still holds (depth + in flight + deferred) at the end. */
  readonly leftInNsqd: number;
  /** published − handled − dead-lettered − left in nsqd, never below 0. */
  readonly lost: number;
  /** Handled or dead-lettered more than once (at-least-once redeliveries). */
  readonly duplicates: number;
}

export function accountFor(input: Omit<Accounting, 'lost' | 'duplicates'>): Accounting {
  const accounted = input.handled + input.deadLettered;
  return {
    ...input,
    lost: Math.max(0, input.published - accounted - input.leftInNsqd),
    duplicates: Math.max(0, accounted - input.published),
  };
}

/** The targets: growth of memory and loss of throughput over the run, descriptors flat, nothing lost. */
export const SOAK_TARGETS = {
  maxRssDrift: 0.05,
  maxHeapDrift: 0.05,
  /** msgs/s may fall by at most 10 %. */
  maxMsgsPerSecDrop: 0.1,
  /** "Flat": the fitted descriptor count changes by fewer than this many from 10 % to 100 %. */
  maxFdChange: 2,
  maxLost: 0,
} as const;

export interface Verdict {
  readonly figure: string;
  readonly measured: string;
  readonly target: string;
  /** undefined: not enough samples to judge. */
  readonly pass: boolean | undefined;
}

const pct = (f: number) => `${f >= 0 ? '+' : ''}${(f * 100).toFixed(1)} %`;

/** Pass/fail per target (reported, never asserted: speed and memory goals live in bench/). */
export function soakVerdicts(samples: readonly SoakSample[], accounting: Accounting): Verdict[] {
  const rss = driftOf(samples, (s) => s.rssBytes);
  const heap = driftOf(samples, (s) => s.heapAfterFullGcBytes);
  const rate = driftOf(samples, (s) => s.msgsPerSec);
  const fds = driftOf(samples, (s) => s.openFds);
  const tooFew = `too few samples (< ${MIN_DRIFT_SAMPLES} after 10 %)`;
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  return [
    {
      figure: 'RSS drift, 10 % → 100 %',
      measured: rss ? `${pct(rss.fraction)} (${mib(rss.from)} → ${mib(rss.to)})` : tooFew,
      target: `≤ +${SOAK_TARGETS.maxRssDrift * 100} %`,
      pass: rss && rss.fraction <= SOAK_TARGETS.maxRssDrift,
    },
    {
      figure: 'heap drift (after each full GC), 10 % → 100 %',
      measured: heap ? `${pct(heap.fraction)} (${mib(heap.from)} → ${mib(heap.to)})` : tooFew,
      target: `≤ +${SOAK_TARGETS.maxHeapDrift * 100} %`,
      pass: heap && heap.fraction <= SOAK_TARGETS.maxHeapDrift,
    },
    {
      figure: 'msgs/s drift, 10 % → 100 %',
      measured: rate
        ? `${pct(rate.fraction)} (${Math.round(rate.from)} → ${Math.round(rate.to)} msgs/s)`
        : tooFew,
      target: `≥ −${SOAK_TARGETS.maxMsgsPerSecDrop * 100} %`,
      pass: rate && rate.fraction >= -SOAK_TARGETS.maxMsgsPerSecDrop,
    },
    {
      figure: 'open file descriptors, fitted change',
      measured: fds
        ? `${fds.change >= 0 ? '+' : ''}${fds.change.toFixed(1)} (${Math.min(...samples.map((s) => s.openFds))}–${Math.max(...samples.map((s) => s.openFds))} sampled)`
        : tooFew,
      target: `flat (fitted change under ±${SOAK_TARGETS.maxFdChange})`,
      pass: fds && Math.abs(fds.change) < SOAK_TARGETS.maxFdChange,
    },
    {
      figure: 'lost messages',
      measured: `${accounting.lost} of ${accounting.published} (handled ${accounting.handled}, dead-lettered ${accounting.deadLettered}, duplicates ${accounting.duplicates}, left in nsqd ${accounting.leftInNsqd})`,
      target: `${SOAK_TARGETS.maxLost}`,
      pass: accounting.lost <= SOAK_TARGETS.maxLost && accounting.leftInNsqd === 0,
    },
  ];
}

export const CSV_COLUMNS = [
  'elapsed_s',
  'finished',
  'msgs_per_s',
  'rss_bytes',
  'heap_used_bytes',
  'heap_after_full_gc_bytes',
  'open_fds',
  'event_loop_delay_p99_ms',
  'cpu_seconds',
] as const;

/** The samples as CSV (header first, one line per sample, an empty cell for a figure not read). */
export function samplesToCsv(samples: readonly SoakSample[]): string {
  const cell = (v: number | undefined, digits?: number) =>
    v === undefined || !Number.isFinite(v) ? '' : digits === undefined ? String(v) : v.toFixed(digits);
  const lines = samples.map((s) =>
    [
      cell(s.elapsedSec, 3),
      cell(s.finished),
      cell(s.msgsPerSec, 1),
      cell(s.rssBytes),
      cell(s.heapUsedBytes),
      cell(s.heapAfterFullGcBytes),
      cell(s.openFds),
      cell(s.eventLoopDelayP99Ms, 3),
      cell(s.cpuSeconds, 2),
    ].join(','),
  );
  return `${[CSV_COLUMNS.join(','), ...lines].join('\n')}\n`;
}

/** "1 h 02 min", "3 min 20 s", "45 s". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/**
 * msgs/s at `bodyBytes` from two measured sizes, interpolating the time per message linearly in the
 * body size (time per message = fixed part + per-byte part), clamped to the measured range's ends.
 */
export function interpolateRate(
  small: { readonly bodyBytes: number; readonly msgsPerSec: number },
  large: { readonly bodyBytes: number; readonly msgsPerSec: number },
  bodyBytes: number,
): number {
  const perMsg = (r: number) => 1 / r;
  const t =
    large.bodyBytes === small.bodyBytes
      ? 0
      : (bodyBytes - small.bodyBytes) / (large.bodyBytes - small.bodyBytes);
  const clamped = Math.min(1, Math.max(0, t));
  return 1 / (perMsg(small.msgsPerSec) + clamped * (perMsg(large.msgsPerSec) - perMsg(small.msgsPerSec)));
}

/** msgs/s the last full bench measured for this system at this body size, when results.json has both sizes. */
export function expectedRate(run: BenchRun, bodyBytes: number): number | undefined {
  const at = (workloadId: string) => {
    const rates = run.throughput
      .filter((t) => t.systemId === 'bridge-b100-local-lambda' && t.workloadId === workloadId)
      .map((t) => t.msgsPerSec)
      .sort((a, b) => a - b);
    const w = run.workloads.find((x) => x.id === workloadId);
    const mid = rates[Math.floor(rates.length / 2)];
    return w && mid !== undefined ? { bodyBytes: w.bodyBytes, msgsPerSec: mid } : undefined;
  };
  const small = at('small');
  const large = at('large');
  return small && large ? interpolateRate(small, large, bodyBytes) : undefined;
}
