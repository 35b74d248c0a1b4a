/**
 * One reading of every source `status` shows: nsqd /stats (summed over the nsqd instances), the
 * bridge's /metrics, the toggles. A source that fails is recorded as an error, never thrown.
 */
import type { NsqdHttpClient } from '#shared/nsq/nsqd-http';
import { errorChain } from '../errors.ts';
import type { ToggleReadout, ToggleStore } from '../toggle/toggle-store.ts';
import { parsePrometheusText, type Sample } from './prometheus-text.ts';
import type { WatchedSubscription } from './subscriptions.ts';

export interface ChannelTotals {
  depth: number;
  inFlight: number;
  deferred: number;
  requeueCount: number;
  timeoutCount: number;
  messageCount: number;
  clients: number;
}

export interface Snapshot {
  readonly atMs: number;
  /** By `topic/channel`; absent when no nsqd has that channel. */
  readonly channels: ReadonlyMap<string, ChannelTotals>;
  readonly nsqdErrors: readonly string[];
  readonly metrics?: readonly Sample[];
  readonly metricsError?: string;
  readonly toggles?: ReadonlyMap<string, ToggleReadout>;
  readonly toggleError?: string;
}

export interface StatusSources {
  readonly nsqds: readonly NsqdHttpClient[];
  /** Unset: the bridge's metrics are not shown. */
  readonly metricsUrl?: string;
  /** Unset: toggles are not shown. */
  readonly toggles?: ToggleStore;
  readonly requestTimeoutMs?: number;
}

export const channelId = (topic: string, channel: string) => `${topic}/${channel}`;

async function readMetrics(url: string, timeoutMs: number): Promise<Sample[]> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new Error(`the bridge metrics at ${url} are unreachable (${errorChain(err)})`, { cause: err });
  }
  if (!res.ok) throw new Error(`the bridge metrics at ${url} answered ${res.status}`);
  return parsePrometheusText(await res.text()).samples;
}

export async function takeSnapshot(
  sources: StatusSources,
  subscriptions: readonly WatchedSubscription[],
  now: () => number,
): Promise<Snapshot> {
  const timeoutMs = sources.requestTimeoutMs ?? 5_000;
  const wanted = new Set(subscriptions.map((s) => channelId(s.topic, s.channel)));
  const [stats, metrics, toggles] = await Promise.allSettled([
    Promise.allSettled(sources.nsqds.map((n) => n.stats())),
    sources.metricsUrl ? readMetrics(sources.metricsUrl, timeoutMs) : Promise.resolve(undefined),
    sources.toggles
      ? sources.toggles.read([...new Set(subscriptions.map((s) => s.toggleName))])
      : Promise.resolve(undefined),
  ]);
  const channels = new Map<string, ChannelTotals>();
  const nsqdErrors: string[] = [];
  if (stats.status === 'fulfilled') {
    stats.value.forEach((r, i) => {
      if (r.status === 'rejected') {
        nsqdErrors.push(`nsqd ${sources.nsqds[i]?.baseUrl}: ${errorChain(r.reason)}`);
        return;
      }
      for (const t of r.value.topics) {
        for (const c of t.channels) {
          const id = channelId(t.topic_name, c.channel_name);
          if (!wanted.has(id)) continue;
          const acc = channels.get(id) ?? {
            depth: 0,
            inFlight: 0,
            deferred: 0,
            requeueCount: 0,
            timeoutCount: 0,
            messageCount: 0,
            clients: 0,
          };
          acc.depth += c.depth;
          acc.inFlight += c.in_flight_count;
          acc.deferred += c.deferred_count;
          acc.requeueCount += c.requeue_count;
          acc.timeoutCount += c.timeout_count;
          acc.messageCount += c.message_count;
          acc.clients += c.client_count;
          channels.set(id, acc);
        }
      }
    });
  }
  return {
    atMs: now(),
    channels,
    nsqdErrors,
    ...(metrics.status === 'fulfilled'
      ? metrics.value === undefined
        ? {}
        : { metrics: metrics.value }
      : { metricsError: errorChain(metrics.reason) }),
    ...(toggles.status === 'fulfilled'
      ? toggles.value === undefined
        ? {}
        : { toggles: toggles.value }
      : { toggleError: errorChain(toggles.reason) }),
  };
}
