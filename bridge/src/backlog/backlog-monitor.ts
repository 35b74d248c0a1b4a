/**
 * Backlog metrics for autoscaling: every `intervalMs`, reads `/stats` of every nsqd that carries a
 * subscription's topic and publishes, per subscription, the channel's depth (memory + disk),
 * deferred and in-flight counts, and their sum as `Backlog`, the metric the ECS service scales on
 * (KEDA's NSQ scaler counts depth only; in-flight and deferred messages are work too).
 *
 * - A channel that does not exist yet counts the topic's depth (its messages will reach the channel
 *   once the bridge subscribes), as KEDA does.
 * - An nsqd whose /stats fails is skipped and counted in `backlog_poll_errors_total`; when every nsqd
 *   of a subscription fails, its gauges keep their last values (never a false 0 that scales in).
 * - Polls never overlap: the next one is scheduled when the previous has finished.
 */
import { NsqdHttpClient } from '#shared/nsq/nsqd-http';
import type { MetricsRegistry } from '../observability/metrics-registry.ts';
import { type BacklogReading, type BacklogSubscription, readBacklog } from './backlog-reading.ts';

export type { BacklogReading, BacklogSubscription } from './backlog-reading.ts';

export interface BacklogMonitorOptions {
  readonly registry: MetricsRegistry;
  readonly subscriptions: readonly BacklogSubscription[];
  /** @default 15_000 */
  readonly intervalMs?: number;
  /** Per nsqd request. @default 5_000 */
  readonly requestTimeoutMs?: number;
  /** Called with every failed read (for logs). */
  readonly onError?: (error: Error, subscription: string) => void;
  /** Called with the readings of every poll (the idle exit watches them). */
  readonly onPoll?: (readings: readonly BacklogReading[]) => void;
}

export interface BacklogMonitor {
  /** Reads now and updates the gauges (also what the timer calls). */
  poll(): Promise<BacklogReading[]>;
  /** Stops the timer; an ongoing poll finishes but does not reschedule. */
  stop(): void;
}

export function startBacklogMonitor(options: BacklogMonitorOptions): BacklogMonitor {
  const { registry } = options;
  const sub = ['subscription'] as const;
  const gauges = {
    depth: registry.gauge({
      name: 'nsq_lambda_channel_depth',
      help: "Messages waiting in the subscription's channel (memory + disk), summed over nsqd.",
      labelNames: sub,
      emf: { name: 'ChannelDepth', unit: 'Count' },
    }),
    deferred: registry.gauge({
      name: 'nsq_lambda_channel_deferred',
      help: 'Deferred (requeued with delay) messages in the channel, summed over nsqd.',
      labelNames: sub,
    }),
    inFlight: registry.gauge({
      name: 'nsq_lambda_channel_in_flight',
      help: 'Messages in flight to any consumer of the channel, summed over nsqd.',
      labelNames: sub,
    }),
    backlog: registry.gauge({
      name: 'nsq_lambda_backlog',
      help: 'depth + deferred + in_flight of the channel: the autoscaling metric.',
      labelNames: sub,
      emf: { name: 'Backlog', unit: 'Count' },
    }),
    nsqd: registry.gauge({
      name: 'nsq_lambda_backlog_nsqd_read',
      help: 'nsqd whose /stats were read in the last backlog poll.',
      labelNames: sub,
    }),
  };
  const pollErrors = registry.counter({
    name: 'nsq_lambda_backlog_poll_errors_total',
    help: 'Failed nsqd /stats or nsqlookupd reads of the backlog monitor.',
    labelNames: sub,
    emf: { name: 'BacklogPollErrors', unit: 'Count' },
  });
  const clients = new Map<string, NsqdHttpClient>();
  const clientFor = (address: string) => {
    let c = clients.get(address);
    if (!c) {
      c = new NsqdHttpClient(address, { requestTimeoutMs: options.requestTimeoutMs ?? 5_000 });
      clients.set(address, c);
    }
    return c;
  };

  const read = (s: BacklogSubscription) => readBacklog(s, clientFor);

  async function poll(): Promise<BacklogReading[]> {
    const readings = await Promise.all(options.subscriptions.map(read));
    for (const r of readings) {
      const labels = { subscription: r.subscription };
      for (const e of r.errors) {
        pollErrors.inc(labels);
        options.onError?.(e, r.subscription);
      }
      gauges.nsqd.set(labels, r.nsqdRead);
      // Nothing read (all nsqd failed): keep the last values rather than report an empty backlog.
      if (r.nsqdRead === 0 && r.errors.length > 0) continue;
      gauges.depth.set(labels, r.depth);
      gauges.deferred.set(labels, r.deferred);
      gauges.inFlight.set(labels, r.inFlight);
      gauges.backlog.set(labels, r.backlog);
    }
    options.onPoll?.(readings);
    return readings;
  }

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      poll()
        .catch((err: unknown) => options.onError?.(err as Error, '*'))
        .finally(schedule);
    }, options.intervalMs ?? 15_000);
    timer.unref();
  };
  schedule();

  return {
    poll,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
