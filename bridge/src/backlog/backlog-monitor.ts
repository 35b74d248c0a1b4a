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
import { discoverProducers } from '../nsq/lookupd-discovery.ts';
import type { MetricsRegistry } from '../observability/metrics-registry.ts';

export interface BacklogSubscription {
  /** The subscription name (the metrics label). */
  readonly name: string;
  readonly topic: string;
  /** The channel as subscribed (with `#ephemeral` when ephemeral). */
  readonly channel: string;
  /** nsqd HTTP addresses (`host:port` or URL), or a resolver (e.g. `lookupNsqdHttpAddresses`). */
  readonly nsqdHttpAddresses: readonly string[] | (() => Promise<readonly string[]>);
}

export interface BacklogReading {
  readonly subscription: string;
  readonly depth: number;
  readonly deferred: number;
  readonly inFlight: number;
  readonly backlog: number;
  /** nsqd HTTP addresses read successfully. */
  readonly nsqdRead: number;
  readonly errors: readonly Error[];
  /** True when the channel existed on no nsqd and the topic depth was used. */
  readonly channelMissing: boolean;
}

export interface BacklogMonitorOptions {
  readonly registry: MetricsRegistry;
  readonly subscriptions: readonly BacklogSubscription[];
  /** @default 15_000 */
  readonly intervalMs?: number;
  /** Per nsqd request. @default 5_000 */
  readonly requestTimeoutMs?: number;
  /** Called with every failed read (for logs). */
  readonly onError?: (error: Error, subscription: string) => void;
}

export interface BacklogMonitor {
  /** Reads now and updates the gauges (also what the timer calls). */
  poll(): Promise<BacklogReading[]>;
  /** Stops the timer; an ongoing poll finishes but does not reschedule. */
  stop(): void;
}

/**
 * The HTTP addresses of every nsqd that nsqlookupd lists for `topic`, the union over all lookupd.
 * Rejects only when every lookupd failed.
 */
export async function lookupNsqdHttpAddresses(options: {
  readonly lookupdHttpAddresses: readonly string[];
  readonly topic: string;
  readonly timeoutMs?: number;
}): Promise<string[]> {
  const { producers, errors } = await discoverProducers({
    lookupdHttpAddresses: options.lookupdHttpAddresses,
    topic: options.topic,
    timeoutMs: options.timeoutMs ?? 5_000,
  });
  if (errors.length > 0 && errors.length === options.lookupdHttpAddresses.length) {
    throw new AggregateError(errors, `every nsqlookupd failed to look up topic ${options.topic}`);
  }
  const found = new Set<string>();
  for (const p of producers) if (p.httpPort !== undefined) found.add(`${p.host}:${p.httpPort}`);
  return [...found].sort();
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

  async function read(s: BacklogSubscription): Promise<BacklogReading> {
    const errors: Error[] = [];
    let addresses: readonly string[] = [];
    try {
      addresses =
        typeof s.nsqdHttpAddresses === 'function' ? await s.nsqdHttpAddresses() : s.nsqdHttpAddresses;
    } catch (err) {
      errors.push(new Error(`backlog: cannot resolve the nsqd of ${s.name}`, { cause: err }));
    }
    let depth = 0;
    let deferred = 0;
    let inFlight = 0;
    let topicDepth = 0;
    let channelSeen = false;
    let nsqdRead = 0;
    await Promise.all(
      addresses.map(async (address) => {
        try {
          const stats = await clientFor(address).stats({ topic: s.topic });
          nsqdRead++;
          const topic = stats.topics.find((t) => t.topic_name === s.topic);
          if (!topic) return;
          topicDepth += topic.depth;
          const channel = topic.channels.find((c) => c.channel_name === s.channel);
          if (!channel) return;
          channelSeen = true;
          depth += channel.depth;
          deferred += channel.deferred_count;
          inFlight += channel.in_flight_count;
        } catch (err) {
          errors.push(new Error(`backlog: /stats of nsqd ${address} failed for ${s.name}`, { cause: err }));
        }
      }),
    );
    if (!channelSeen) depth = topicDepth;
    return {
      subscription: s.name,
      depth,
      deferred,
      inFlight,
      backlog: depth + deferred + inFlight,
      nsqdRead,
      errors,
      channelMissing: !channelSeen,
    };
  }

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
