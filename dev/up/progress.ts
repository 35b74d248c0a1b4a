/**
 * Live progress of `npm start`: per subscription, the bridge's counters read from its /metrics
 * (dev/up/progress-metrics.ts), with messages per second, errors, throttles, p99 and the toggle state.
 * On a TTY the table is redrawn in place by log-update; otherwise, or with --plain, a line per
 * subscription is printed when what it shows changes.
 */
import { createLogUpdate } from 'log-update';
import {
  countersFromMetrics,
  ratePerSec,
  type Sample,
  type SubscriptionCounters,
} from './progress-metrics.ts';

export interface SubscriptionProgress extends SubscriptionCounters {
  /** Messages answered (finished or dead-lettered) per second over the last `RATE_WINDOW_MS`. */
  readonly msgsPerSec: number | undefined;
}

export const RATE_WINDOW_MS = 5_000;

type Column = readonly [title: string, cell: (r: SubscriptionProgress) => string];

/** Counters first, in the order of the plain lines (tests and scripts read them). */
const columns: readonly Column[] = [
  ['received', (r) => String(r.received)],
  ['finished', (r) => String(r.finished)],
  ['requeued', (r) => String(r.requeued)],
  ['dead-lettered', (r) => String(r.deadLettered)],
  ['throttled', (r) => String(r.throttled)],
  ['errors', (r) => String(r.errors)],
  ['in flight', (r) => String(r.inFlight)],
  ['msgs/s', (r) => formatRate(r.msgsPerSec)],
  ['p99', (r) => formatMs(r.p99Ms)],
  ['toggle', (r) => r.toggle],
];

export function formatRate(perSec: number | undefined): string {
  return perSec === undefined ? '-' : perSec.toFixed(1);
}

export function formatMs(ms: number | undefined): string {
  if (ms === undefined) return '-';
  return ms < 1_000 ? `${Math.round(ms)} ms` : `${(ms / 1_000).toFixed(1)} s`;
}

/** The table as lines (header first), columns padded to fit. */
export function progressTable(rows: readonly SubscriptionProgress[]): string[] {
  const header = ['subscription', ...columns.map(([title]) => title)];
  const body = rows.map((r) => [r.subscription, ...columns.map(([, cell]) => cell(r))]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i]?.length ?? 0)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), ...body.map(line)];
}

/** One plain line for a subscription (not a TTY, or --plain). */
export function progressLine(row: SubscriptionProgress): string {
  return `progress ${row.subscription}: ${columns.map(([title, cell]) => `${title} ${cell(row)}`).join(', ')}`;
}

/** Adds messages per second to the counters, from the answered counts it has seen over time. */
export class ProgressTracker {
  readonly #history = new Map<string, Sample[]>();

  constructor(private readonly windowMs = RATE_WINDOW_MS) {}

  update(counters: readonly SubscriptionCounters[], atMs: number): SubscriptionProgress[] {
    return counters.map((c) => {
      const samples = this.#history.get(c.subscription) ?? [];
      samples.push({ atMs, count: c.finished + c.deadLettered });
      while ((samples[0]?.atMs ?? atMs) < atMs - this.windowMs) samples.shift();
      this.#history.set(c.subscription, samples);
      return { ...c, msgsPerSec: ratePerSec(samples, this.windowMs) };
    });
  }

  /** Reads the bridge's Prometheus text. */
  fromMetrics(metricsText: string, subscriptions: readonly string[], atMs: number): SubscriptionProgress[] {
    return this.update(countersFromMetrics(metricsText, subscriptions), atMs);
  }
}

export type OutputMode = 'table' | 'lines';

/** A table redrawn in place only on a TTY, and not with --plain. */
export function outputMode(isTty: boolean, plain: boolean): OutputMode {
  return isTty && !plain ? 'table' : 'lines';
}

/** Writes progress: a table redrawn in place, or changed lines. */
export class ProgressPrinter {
  readonly #last = new Map<string, string>();
  readonly #update: ReturnType<typeof createLogUpdate> | undefined;

  constructor(
    private readonly out: NodeJS.WriteStream,
    readonly mode: OutputMode,
  ) {
    // The cursor stays visible: a run killed mid-frame must not leave the terminal without one.
    this.#update = mode === 'table' ? createLogUpdate(out, { showCursor: true }) : undefined;
  }

  print(rows: readonly SubscriptionProgress[]): void {
    if (this.#update) {
      this.#update(progressTable(rows).join('\n'));
      return;
    }
    for (const row of rows) {
      const text = progressLine(row);
      if (this.#last.get(row.subscription) !== text) {
        this.#last.set(row.subscription, text);
        this.out.write(`${text}\n`);
      }
    }
  }

  /** Keeps the drawn table on screen; the next print starts below whatever is written in between. */
  detach(): void {
    this.#update?.done();
  }
}
