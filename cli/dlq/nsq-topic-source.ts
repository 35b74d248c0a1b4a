/**
 * Dead letters on an NSQ topic (the bridge's NSQ dead-letter store: one JSON record per message).
 *
 * The CLI reads them through its own channel (default `nsq-lambda-cli`): it takes the channel's
 * backlog in flight (up to `maxMessages`), with a long message timeout, then
 * - `delete` FINishes messages (purge, or after a replay published them);
 * - `close` REQueues every message it still holds, with no delay: listing never loses anything.
 * A dedicated channel receives every message published after it exists; the CLI creates it on first use.
 */
import { Reader } from 'nsqjs';
import { type DeadLetterRecord, deadLetterRecordSchema } from '#shared/contract/dead-letter';
import { NsqdHttpClient } from '#shared/nsq/nsqd-http';
import { formatZodIssues } from '#shared/zod-issues';
import { errorChain, MalformedDeadLetterError, unavailable } from '../errors.ts';
import type { DeadLetterRef, DeadLetterSource } from './source.ts';

type NsqMessage = Parameters<Parameters<Reader['on']>[1]>[0] & {
  id: string;
  body: Buffer;
  finish(): void;
  requeue(delay?: number, backoff?: boolean): void;
};

export interface NsqTopicSourceOptions {
  readonly topic: string;
  readonly channel: string;
  readonly nsqdTcpAddress: string;
  readonly nsqdHttpAddress: string;
  /** Most dead letters taken in one run (nsqd's max RDY is 2,500). @default 2_500 */
  readonly maxMessages?: number;
  /** How long the CLI may hold them. @default 600_000 */
  readonly messageTimeoutMs?: number;
  /** Stop waiting once no message arrived for this long. @default 1_000 */
  readonly idleMs?: number;
}

export class NsqTopicDeadLetterSource implements DeadLetterSource {
  readonly describe: string;
  readonly #held = new Map<string, NsqMessage>();
  readonly #records = new Map<string, DeadLetterRecord>();
  readonly #malformed = new Map<string, string>();
  #reader: Reader | undefined;
  /** Messages of this channel in flight to other consumers when we started. */
  #othersInFlight = 0;
  /** More dead letters wait in the channel than were taken. */
  remaining = 0;

  private constructor(readonly options: NsqTopicSourceOptions) {
    this.describe = `nsq://${options.topic} (channel ${options.channel})`;
  }

  static async open(options: NsqTopicSourceOptions): Promise<NsqTopicDeadLetterSource> {
    const source = new NsqTopicDeadLetterSource(options);
    await source.#take();
    return source;
  }

  async #take(): Promise<void> {
    const o = this.options;
    const http = new NsqdHttpClient(o.nsqdHttpAddress);
    let depth: number;
    try {
      const stats = await http.stats({ topic: o.topic });
      const topic = stats.topics.find((t) => t.topic_name === o.topic);
      if (!topic) return; // no dead letter was ever published
      let channel = topic.channels.find((c) => c.channel_name === o.channel);
      if (!channel) {
        await http.createChannel(o.topic, o.channel);
        channel = (await http.channelStats(o.topic, o.channel)) ?? undefined;
      }
      depth = channel?.depth ?? 0;
      this.#othersInFlight = channel?.in_flight_count ?? 0;
    } catch (err) {
      throw unavailable(
        `nsqd at ${http.baseUrl} is unreachable or refused the dead-letter topic ${o.topic}: ${errorChain(err)}`,
        err,
      );
    }
    if (depth === 0) return;
    const target = Math.min(depth, o.maxMessages ?? 2_500);
    this.remaining = depth - target;
    const idleMs = o.idleMs ?? 1_000;
    const reader = new Reader(o.topic, o.channel, {
      nsqdTCPAddresses: [o.nsqdTcpAddress],
      maxInFlight: target,
      messageTimeout: o.messageTimeoutMs ?? 600_000,
      maxAttempts: 0,
    });
    this.#reader = reader;
    await new Promise<void>((resolve, reject) => {
      let idle: NodeJS.Timeout | undefined;
      const connectTimer = setTimeout(
        () =>
          reject(
            unavailable(
              `nsqd at ${o.nsqdTcpAddress} did not deliver the dead letters (TCP); check --nsqd-tcp`,
            ),
          ),
        15_000,
      );
      const done = () => {
        clearTimeout(connectTimer);
        clearTimeout(idle);
        // RDY 0: nothing more arrives, and what close() REQueues is not handed straight back to us.
        reader.pause();
        resolve();
      };
      reader.on('error', (err) => {
        clearTimeout(connectTimer);
        reject(unavailable(`nsqd at ${o.nsqdTcpAddress}: ${errorChain(err)}`, err));
      });
      reader.on('message', (raw) => {
        const msg = raw as unknown as NsqMessage;
        clearTimeout(connectTimer);
        this.#accept(msg);
        clearTimeout(idle);
        if (this.#held.size >= target) done();
        else idle = setTimeout(done, idleMs);
      });
      reader.connect();
    });
  }

  #accept(msg: NsqMessage): void {
    const body = Buffer.from(msg.body);
    let key = `nsq:${msg.id}`;
    try {
      const parsed = deadLetterRecordSchema.safeParse(JSON.parse(body.toString('utf8')));
      if (!parsed.success) throw new Error(formatZodIssues(parsed.error.issues).join('; '));
      const r = parsed.data;
      key = `nsq://${this.options.topic}/${r.subscription}/${r.deadLetteredAtMs}-${r.id}`;
      if (this.#held.has(key)) {
        // The same dead letter twice on the topic: the store's at-least-once write. Keep one.
        msg.finish();
        return;
      }
      this.#records.set(key, r);
    } catch (err) {
      this.#malformed.set(key, err instanceof Error ? err.message : String(err));
    }
    this.#held.set(key, msg);
  }

  async *listRefs(filter: { subscription?: string; sinceMs?: number; untilMs?: number }) {
    for (const [key, r] of this.#records) {
      if (filter.subscription !== undefined && r.subscription !== filter.subscription) continue;
      if (filter.sinceMs !== undefined && r.deadLetteredAtMs < filter.sinceMs) continue;
      if (filter.untilMs !== undefined && r.deadLetteredAtMs > filter.untilMs) continue;
      yield { key, subscription: r.subscription, deadLetteredAtMs: r.deadLetteredAtMs, id: r.id };
    }
    for (const [key] of this.#malformed) {
      yield { key, subscription: '', deadLetteredAtMs: 0, id: key };
    }
  }

  async read(ref: DeadLetterRef): Promise<DeadLetterRecord> {
    const problem = this.#malformed.get(ref.key);
    if (problem !== undefined)
      throw new MalformedDeadLetterError(ref.key, `not a dead-letter record (${problem})`);
    const r = this.#records.get(ref.key);
    if (!r) throw new MalformedDeadLetterError(ref.key, 'no longer held');
    return r;
  }

  async delete(refs: readonly DeadLetterRef[]) {
    const failed: { key: string; message: string }[] = [];
    for (const ref of refs) {
      const msg = this.#held.get(ref.key);
      if (!msg) {
        failed.push({ key: ref.key, message: 'not held' });
        continue;
      }
      msg.finish();
      this.#held.delete(ref.key);
      this.#records.delete(ref.key);
    }
    return { failed };
  }

  /**
   * Requeues what is still held (no delay), waits until nsqd has applied every FIN and REQ (the
   * channel has no message in flight), then disconnects: nsqjs destroys its socket on close, which
   * could drop commands still in the socket buffer.
   */
  async close(): Promise<void> {
    this.#reader?.pause();
    for (const msg of this.#held.values()) msg.requeue(0, false);
    this.#held.clear();
    const reader = this.#reader;
    this.#reader = undefined;
    if (!reader) return;
    const http = new NsqdHttpClient(this.options.nsqdHttpAddress);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const c = await http.channelStats(this.options.topic, this.options.channel).catch(() => undefined);
      if (!c || c.in_flight_count <= this.#othersInFlight) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    reader.close();
  }
}
