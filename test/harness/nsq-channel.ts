/**
 * Judging an nsqd channel from a test: when everything in it is done, when it has settled, what RDY its
 * consumers hold. Built on waitStable: nsqd shows a message in neither its queue, in-flight nor deferred
 * list for a moment while it moves it between them (a REQ popped from in-flight and not yet deferred; a
 * deferred message due and not yet queued; a queued message taken by a connection and not yet in flight),
 * so one poll of an empty channel proves nothing.
 */
import type { Nsqd } from '#dev/services/nsq';
import { waitStable } from '#dev/services/wait';
import type { ChannelStats } from '#shared/nsq/nsqd-http';

/**
 * Stats of a channel, plus the FINs nsqd counted for its connected consumers and the depth of its topic
 * (messages published and not yet copied to the channels: nsqd answers a PUB before it copies it).
 */
export type SettledChannel = ChannelStats & { readonly finished: number; readonly topic_depth: number };

/** How long a channel must stay settled, counters unchanged, before a test trusts it. */
export const CHANNEL_QUIET_MS = 300;

async function channelNow(nsqd: Nsqd, topic: string, channel: string): Promise<SettledChannel | undefined> {
  const stats = await nsqd.http.stats({ topic, channel, includeClients: true });
  const t = stats.topics.find((x) => x.topic_name === topic);
  const s = t?.channels.find((c) => c.channel_name === channel);
  return (
    t &&
    s && {
      ...s,
      finished: (s.clients ?? []).reduce((n, c) => n + c.finish_count, 0),
      topic_depth: t.depth,
    }
  );
}

const counters = (s: SettledChannel) =>
  [
    s.topic_depth,
    s.depth,
    s.in_flight_count,
    s.deferred_count,
    s.message_count,
    s.requeue_count,
    s.timeout_count,
    s.finished,
  ].join(',');

export interface ChannelIdleOptions {
  /**
   * The FINs the connected consumers must have sent. Default: the channel's message_count. Give the number
   * after an nsqd restart (its counters start again at 0 while the messages come back from disk), or
   * 'uncounted' when a consumer that FINished messages has disconnected (nsqd forgets its counts): then
   * only the quiet period speaks, so wait for the positive event (every body seen) first.
   */
  readonly finished?: number | 'uncounted';
}

/**
 * Waits until every message nsqd put into the channel was FINished, and nothing more happens:
 * - the positive event: the FINs nsqd counted for the connected consumers reach the channel's
 *   message_count (or `finished`);
 * - nothing queued (in the topic or the channel), in flight or deferred;
 * - all of it, with nsqd's message, requeue and timeout counters, unchanged for CHANNEL_QUIET_MS.
 */
export async function waitChannelIdle(
  nsqd: Nsqd,
  topic: string,
  channel: string,
  timeoutMs = 20_000,
  options: ChannelIdleOptions = {},
): Promise<SettledChannel> {
  const expected = options.finished;
  return waitStable(
    async () => {
      const s = await channelNow(nsqd, topic, channel);
      if (!s) return undefined;
      const done = expected === 'uncounted' || s.finished >= (expected ?? s.message_count);
      const empty = s.topic_depth === 0 && s.depth === 0 && s.in_flight_count === 0 && s.deferred_count === 0;
      return done && empty ? s : undefined;
    },
    {
      what: `every message of ${topic}/${channel} FINished, nothing queued, in flight or deferred`,
      timeoutMs,
      quietMs: CHANNEL_QUIET_MS,
      key: counters,
    },
  );
}

/**
 * Waits until the channel matches `settled` and stays so, every counter unchanged, for `quietMs`: for
 * states other than idle (a backlog kept while paused, messages back in the queue after a drain).
 */
export async function waitChannelSettled(
  nsqd: Nsqd,
  topic: string,
  channel: string,
  settled: (s: SettledChannel) => boolean,
  options: { readonly what: string; readonly quietMs?: number; readonly timeoutMs?: number },
): Promise<SettledChannel> {
  return waitStable(
    async () => {
      const s = await channelNow(nsqd, topic, channel);
      return s && settled(s) ? s : undefined;
    },
    {
      what: `${topic}/${channel}: ${options.what}`,
      quietMs: options.quietMs ?? CHANNEL_QUIET_MS,
      timeoutMs: options.timeoutMs ?? 20_000,
      key: counters,
    },
  );
}

/** The RDY of the channel's first consumer, or undefined when none is connected. */
export async function readyCount(nsqd: Nsqd, topic: string, channel: string): Promise<number | undefined> {
  return (await nsqd.http.channelStats(topic, channel, { includeClients: true }))?.clients?.[0]?.ready_count;
}
