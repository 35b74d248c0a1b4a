/**
 * A small client for nsqd's HTTP API: publish (binary-safe), channel management and /stats.
 * Used by the bridge (backlog metrics), the CLI and the test harness.
 */
import { NsqdHttpError } from '#shared/errors';

/** One consumer connection of a channel (in /stats only when clients are asked for). */
export interface ClientStats {
  readonly client_id: string;
  readonly ready_count: number;
  readonly in_flight_count: number;
  readonly message_count: number;
  readonly finish_count: number;
  readonly requeue_count: number;
}

export interface ChannelStats {
  readonly channel_name: string;
  readonly depth: number;
  readonly backend_depth: number;
  readonly in_flight_count: number;
  readonly deferred_count: number;
  readonly message_count: number;
  readonly requeue_count: number;
  readonly timeout_count: number;
  readonly client_count: number;
  /** Present when the stats were asked for with `includeClients`. */
  readonly clients?: readonly ClientStats[];
  readonly paused: boolean;
}

export interface TopicStats {
  readonly topic_name: string;
  readonly channels: readonly ChannelStats[];
  readonly depth: number;
  readonly backend_depth: number;
  readonly message_count: number;
  readonly paused: boolean;
}

export interface NsqdStats {
  readonly version: string;
  readonly health: string;
  readonly start_time: number;
  readonly topics: readonly TopicStats[];
}

export interface NsqdHttpOptions {
  /** Per-request timeout. @default 5_000 */
  readonly requestTimeoutMs?: number;
}

export type Body = string | Uint8Array;

function toBytes(body: Body): Uint8Array {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}

/** Encodes bodies for `/mpub?binary=true`: a 4-byte count, then a 4-byte size and the bytes of each message. */
export function encodeBinaryMpub(bodies: readonly Body[]): Buffer {
  const parts = bodies.map(toBytes);
  const size = 4 + parts.reduce((n, p) => n + 4 + p.byteLength, 0);
  const out = Buffer.allocUnsafe(size);
  out.writeUInt32BE(parts.length, 0);
  let offset = 4;
  for (const p of parts) {
    out.writeUInt32BE(p.byteLength, offset);
    offset += 4;
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}

export class NsqdHttpClient {
  readonly baseUrl: string;
  readonly #timeoutMs: number;

  /** @param address `host:port` of nsqd's HTTP listener, or a full http(s) URL. */
  constructor(address: string, options: NsqdHttpOptions = {}) {
    this.baseUrl = /^https?:\/\//.test(address) ? address.replace(/\/$/, '') : `http://${address}`;
    this.#timeoutMs = options.requestTimeoutMs ?? 5_000;
  }

  async #request(method: 'GET' | 'POST', path: string, body?: Uint8Array): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        body,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      throw new NsqdHttpError(
        `nsqd at ${this.baseUrl} is unreachable (${method} ${path.split('?')[0]})`,
        undefined,
        {
          cause: err,
        },
      );
    }
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      throw new NsqdHttpError(
        `nsqd ${method} ${path.split('?')[0]} failed with ${res.status}: ${text.trim()}`,
        res.status,
      );
    }
    return res;
  }

  async ping(): Promise<boolean> {
    try {
      await this.#request('GET', '/ping');
      return true;
    } catch {
      return false;
    }
  }

  /** PUB one message; `deferMs` delays delivery. */
  async publish(topic: string, body: Body, deferMs?: number): Promise<void> {
    const q = new URLSearchParams({ topic });
    if (deferMs !== undefined) q.set('defer', String(Math.trunc(deferMs)));
    await (await this.#request('POST', `/pub?${q}`, toBytes(body))).arrayBuffer();
  }

  /** MPUB many messages in binary mode, so bodies may contain newlines or any bytes. */
  async publishMany(topic: string, bodies: readonly Body[]): Promise<void> {
    if (bodies.length === 0) return;
    const q = new URLSearchParams({ topic, binary: 'true' });
    await (await this.#request('POST', `/mpub?${q}`, encodeBinaryMpub(bodies))).arrayBuffer();
  }

  async createTopic(topic: string): Promise<void> {
    await (await this.#request('POST', `/topic/create?${new URLSearchParams({ topic })}`)).arrayBuffer();
  }

  async createChannel(topic: string, channel: string): Promise<void> {
    await (
      await this.#request('POST', `/channel/create?${new URLSearchParams({ topic, channel })}`)
    ).arrayBuffer();
  }

  async deleteChannel(topic: string, channel: string): Promise<void> {
    await (
      await this.#request('POST', `/channel/delete?${new URLSearchParams({ topic, channel })}`)
    ).arrayBuffer();
  }

  async stats(
    filter: { topic?: string; channel?: string; includeClients?: boolean } = {},
  ): Promise<NsqdStats> {
    const q = new URLSearchParams({
      format: 'json',
      include_clients: String(filter.includeClients ?? false),
      include_mem: 'false',
    });
    if (filter.topic) q.set('topic', filter.topic);
    if (filter.channel) q.set('channel', filter.channel);
    return (await (await this.#request('GET', `/stats?${q}`)).json()) as NsqdStats;
  }

  /** Stats of one channel, or undefined when the topic or channel does not exist (yet). */
  async channelStats(
    topic: string,
    channel: string,
    options: { includeClients?: boolean } = {},
  ): Promise<ChannelStats | undefined> {
    const stats = await this.stats({ topic, channel, ...options });
    return stats.topics.find((t) => t.topic_name === topic)?.channels.find((c) => c.channel_name === channel);
  }
}
