/**
 * One reading of a subscription's backlog from nsqd /stats: the channel's depth (memory + disk),
 * deferred and in-flight counts, summed over every nsqd that carries the topic. A channel that does not
 * exist yet counts the topic's depth (its messages reach the channel once someone subscribes), as KEDA
 * does. Used by the backlog monitor (metrics, idle exit) and by the scale-to-zero waker.
 */
import { NsqdHttpClient } from '#shared/nsq/nsqd-http';
import { discoverProducers } from '../nsq/lookupd-discovery.ts';

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

/**
 * Reads one subscription's backlog from the /stats of every nsqd that carries its topic. Never throws:
 * failed reads come back in `errors` (and `nsqdRead` says how many nsqd answered).
 */
export async function readBacklog(
  s: BacklogSubscription,
  clientFor: (address: string) => NsqdHttpClient = (address) => new NsqdHttpClient(address),
): Promise<BacklogReading> {
  const errors: Error[] = [];
  let addresses: readonly string[] = [];
  try {
    addresses = typeof s.nsqdHttpAddresses === 'function' ? await s.nsqdHttpAddresses() : s.nsqdHttpAddresses;
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
