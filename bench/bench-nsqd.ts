/**
 * A fresh nsqd per measurement, with the workload's backlog pre-published into a paused channel, and
 * the figures the benchmark reads back from nsqd itself: finished count, requeues, timeouts, and the
 * publish→FIN latency percentiles nsqd tracks per channel (`--e2e-processing-latency-percentile`).
 */
import { Nsqd } from '#dev/services/nsq';
import { forEachWithConcurrency } from '#shared/concurrency';

/** A message body of `sizeBytes`: a printable, position-dependent pattern (compresses poorly, like real data). */
export function messageBody(sizeBytes: number): Buffer {
  const body = Buffer.allocUnsafe(sizeBytes);
  for (let i = 0; i < sizeBytes; i++) body[i] = 33 + ((i * 7919 + (i >> 5)) % 94);
  return body;
}

/** nsqd's default --max-body-size is 5 MiB; keep each MPUB comfortably below it. */
const MPUB_MAX_BYTES = 4 * 1024 * 1024;

export interface ChannelFigures {
  /** Messages put into the channel (each counted once: requeues and timeouts do not add to it). */
  readonly messageCount: number;
  readonly depth: number;
  readonly inFlight: number;
  readonly deferred: number;
  readonly requeues: number;
  readonly timeouts: number;
  readonly clients: number;
  /** Sum of RDY over the channel's clients (only with `withClients`). */
  readonly readyCount: number;
  /** publish→FIN latency quantiles in ms, keyed by quantile (0.5, 0.99), as nsqd computed them. */
  readonly e2eMs: ReadonlyMap<number, number>;
  /** How many FINs nsqd's latency figures cover. */
  readonly e2eCount: number;
}

/** Messages that left the channel for good (FIN). */
export function finishedOf(f: ChannelFigures): number {
  return f.messageCount - f.depth - f.inFlight - f.deferred;
}

interface RawChannel {
  channel_name: string;
  depth: number;
  in_flight_count: number;
  deferred_count: number;
  message_count: number;
  requeue_count: number;
  timeout_count: number;
  client_count: number;
  clients: Array<{ ready_count?: number }> | null;
  e2e_processing_latency?: { count: number; percentiles: Array<{ quantile: number; value: number }> | null };
}

export class BenchNsqd {
  private constructor(readonly nsqd: Nsqd) {}

  /** Starts nsqd with latency tracking and a memory queue big enough for `memQueueSize` messages. */
  static async start(memQueueSize: number): Promise<BenchNsqd> {
    const nsqd = await Nsqd.start({
      args: [
        '--e2e-processing-latency-percentile=0.5,0.99',
        `--mem-queue-size=${Math.max(10_000, memQueueSize)}`,
      ],
    });
    return new BenchNsqd(nsqd);
  }

  get tcpAddress(): string {
    return this.nsqd.tcpAddress;
  }

  get httpAddress(): string {
    return this.nsqd.httpAddress;
  }

  get pid(): number {
    return this.nsqd.pid;
  }

  async #post(path: string, params: Record<string, string>): Promise<void> {
    const url = `${this.nsqd.http.baseUrl}${path}?${new URLSearchParams(params)}`;
    const res = await fetch(url, { method: 'POST', signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    if (!res.ok) throw new Error(`nsqd ${path} failed with ${res.status}: ${text}`);
  }

  /** Creates the topic and its channels (before publishing, so every channel gets the backlog). */
  async prepare(topic: string, channels: readonly string[], paused: boolean): Promise<void> {
    await this.#post('/topic/create', { topic });
    for (const channel of channels) {
      await this.#post('/channel/create', { topic, channel });
      if (paused) await this.pause(topic, channel);
    }
  }

  pause(topic: string, channel: string): Promise<void> {
    return this.#post('/channel/pause', { topic, channel });
  }

  unpause(topic: string, channel: string): Promise<void> {
    return this.#post('/channel/unpause', { topic, channel });
  }

  /** Publishes `count` copies of `body` with binary MPUB, two requests at a time. */
  async publishBacklog(topic: string, count: number, body: Buffer): Promise<void> {
    const perRequest = Math.max(1, Math.min(5_000, Math.floor(MPUB_MAX_BYTES / (body.byteLength + 4))));
    const chunks: number[] = [];
    for (let left = count; left > 0; left -= perRequest) chunks.push(Math.min(left, perRequest));
    await forEachWithConcurrency(chunks, 2, async (n) => {
      await this.nsqd.http.publishMany(topic, new Array<Buffer>(n).fill(body));
    });
  }

  /** PUBlishes one message (the paced low-load workload). */
  publish(topic: string, body: Buffer): Promise<void> {
    return this.nsqd.http.publish(topic, body);
  }

  async channel(topic: string, channel: string, withClients = false): Promise<ChannelFigures> {
    const q = new URLSearchParams({
      format: 'json',
      topic,
      channel,
      include_clients: String(withClients),
      include_mem: 'false',
    });
    const res = await fetch(`${this.nsqd.http.baseUrl}/stats?${q}`, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`nsqd /stats failed with ${res.status}`);
    const stats = (await res.json()) as {
      topics: Array<{ topic_name: string; channels: RawChannel[] }>;
    };
    const raw = (stats.topics ?? [])
      .find((t) => t.topic_name === topic)
      ?.channels.find((c) => c.channel_name === channel);
    if (!raw) throw new Error(`nsqd has no channel ${topic}/${channel}`);
    const e2e = new Map<number, number>();
    for (const p of raw.e2e_processing_latency?.percentiles ?? []) e2e.set(p.quantile, p.value / 1e6);
    return {
      messageCount: raw.message_count,
      depth: raw.depth,
      inFlight: raw.in_flight_count,
      deferred: raw.deferred_count,
      requeues: raw.requeue_count,
      timeouts: raw.timeout_count,
      clients: raw.client_count,
      readyCount: (raw.clients ?? []).reduce((n, c) => n + (c.ready_count ?? 0), 0),
      e2eMs: e2e,
      e2eCount: raw.e2e_processing_latency?.count ?? 0,
    };
  }

  /** Depth of a topic (e.g. the dead-letter topic); 0 when it does not exist. */
  async topicMessageCount(topic: string): Promise<number> {
    const stats = await this.nsqd.http.stats({ topic });
    return (stats.topics ?? []).find((t) => t.topic_name === topic)?.message_count ?? 0;
  }

  async dispose(): Promise<void> {
    await this.nsqd.dispose();
  }
}
