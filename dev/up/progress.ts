/**
 * Live progress of `npm start`: per subscription, the bridge's counters read from its /metrics.
 * On a TTY the table is redrawn in place; otherwise a plain line per subscription is printed when its
 * counters change.
 */
import { sumBySubscription } from './bridge-process.ts';

export interface SubscriptionProgress {
  readonly subscription: string;
  readonly received: number;
  readonly finished: number;
  readonly requeued: number;
  readonly deadLettered: number;
  readonly throttled: number;
  readonly inFlight: number;
}

const columns = [
  ['received', 'received'],
  ['finished', 'finished'],
  ['requeued', 'requeued'],
  ['deadLettered', 'dead-lettered'],
  ['throttled', 'throttled'],
  ['inFlight', 'in flight'],
] as const;

/** Reads every subscription's counters from the bridge's Prometheus text. */
export function progressFromMetrics(
  metricsText: string,
  subscriptions: readonly string[],
): SubscriptionProgress[] {
  const read = (metric: string) => sumBySubscription(metricsText, `nsq_lambda_${metric}`);
  const received = read('messages_received_total');
  const finished = read('messages_finished_total');
  const requeued = read('messages_requeued_total');
  const deadLettered = read('messages_dead_lettered_total');
  const throttled = read('throttles_total');
  const inFlight = read('messages_in_flight');
  return subscriptions.map((subscription) => ({
    subscription,
    received: received.get(subscription) ?? 0,
    finished: finished.get(subscription) ?? 0,
    requeued: requeued.get(subscription) ?? 0,
    deadLettered: deadLettered.get(subscription) ?? 0,
    throttled: throttled.get(subscription) ?? 0,
    inFlight: inFlight.get(subscription) ?? 0,
  }));
}

/** The table as lines (header first), columns padded to fit. */
export function progressTable(rows: readonly SubscriptionProgress[]): string[] {
  const header = ['subscription', ...columns.map(([, title]) => title)];
  const body = rows.map((r) => [r.subscription, ...columns.map(([key]) => String(r[key]))]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i]?.length ?? 0)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(header), ...body.map(line)];
}

/** One plain line for a subscription (non-TTY output). */
export function progressLine(row: SubscriptionProgress): string {
  return `progress ${row.subscription}: ${columns.map(([key, title]) => `${title} ${row[key]}`).join(', ')}`;
}

/** Writes progress: in place on a TTY, as changed lines otherwise. */
export class ProgressPrinter {
  #drawnLines = 0;
  #last = new Map<string, string>();

  constructor(private readonly out: NodeJS.WriteStream) {}

  get isTty(): boolean {
    return this.out.isTTY === true;
  }

  print(rows: readonly SubscriptionProgress[]): void {
    if (this.isTty) {
      const lines = progressTable(rows);
      // Move to the start of the previous table, then overwrite each line (clearing leftovers).
      if (this.#drawnLines > 0) this.out.write(`\x1b[${this.#drawnLines}F`);
      this.out.write(lines.map((l) => `\x1b[2K${l}\n`).join(''));
      this.#drawnLines = lines.length;
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

  /** Forget the drawn table, so the next print starts below whatever was written in between. */
  detach(): void {
    this.#drawnLines = 0;
  }
}
