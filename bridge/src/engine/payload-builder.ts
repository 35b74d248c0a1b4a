/**
 * The batch event's bytes: the envelope, each message's entry (written straight from its delivery, see
 * TrackedMessage.writeEntry), and the size accounting the batch queue sizes batches with.
 *
 * Seam for claim checks: a message too large for an event would get a pointer entry here instead of
 * its body (today `oversize` turns it away, and the runner dead-letters it `undeliverable`).
 */
import { LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES } from '#shared/config/subscription';
import { CONTRACT_VERSION } from '#shared/contract/batch-event';
import { type EntryTail, entryTail, type TrackedMessage } from '../delivery.ts';

/**
 * Room kept for the batch id in the envelope when sizing a batch against maxBytes: a UUID (36) plus two
 * characters per bisect or split level (`.0`, `.a`...), at most ⌈log₂ 10,000⌉ = 14 levels of each.
 */
export const BATCH_ID_RESERVE_CHARS = 36 + 2 * 2 * 14;

export interface PayloadBuilderConfig {
  readonly subscription: string;
  readonly topic: string;
  readonly channel: string;
  readonly maxBytes: number;
}

export class PayloadBuilder {
  /** Each nsqd address's constant end of a batch-event entry (topic and channel are the subscription's). */
  readonly #entryTails = new Map<string, EntryTail>();
  readonly #envelopeCache = new Map<number, number>();

  constructor(private readonly config: PayloadBuilderConfig) {}

  /** The constant end of the entries of messages from `nsqdAddress` (cached). */
  entryTail(nsqdAddress: string): EntryTail {
    let tail = this.#entryTails.get(nsqdAddress);
    if (tail === undefined) {
      // Addresses come and go with lookupd discovery; keep the cache bounded.
      if (this.#entryTails.size >= 1_000) this.#entryTails.clear();
      tail = entryTail(this.config.topic, this.config.channel, nsqdAddress);
      this.#entryTails.set(nsqdAddress, tail);
    }
    return tail;
  }

  /** Bytes of an event with no messages and a batch id of `batchIdLength` characters (cached). */
  envelopeBytes(batchIdLength: number): number {
    const cached = this.#envelopeCache.get(batchIdLength);
    if (cached !== undefined) return cached;
    const bytes = Buffer.byteLength(
      JSON.stringify({
        version: CONTRACT_VERSION,
        source: 'nsq-lambda',
        batchId: 'x'.repeat(batchIdLength),
        subscription: this.config.subscription,
        messages: [],
      }),
    );
    this.#envelopeCache.set(batchIdLength, bytes);
    return bytes;
  }

  /** Bytes of an empty event with room for any batch id: where a forming batch's size starts. */
  get emptyEventBytes(): number {
    return this.envelopeBytes(BATCH_ID_RESERVE_CHARS);
  }

  /**
   * Why `message` can never be sent (an event holding only it would pass maxBytes, a hard limit below
   * Lambda's Invoke limit), or undefined when it fits.
   */
  oversize(message: TrackedMessage): string | undefined {
    const aloneBytes = this.emptyEventBytes + message.encodedBytes;
    if (aloneBytes <= this.config.maxBytes) return undefined;
    return aloneBytes > LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES
      ? `the encoded message (${message.encodedBytes} bytes) exceeds Lambda's ${LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES}-byte Invoke limit on its own`
      : `an event holding only this message would be ${aloneBytes} bytes, over the subscription's maxBytes (${this.config.maxBytes})`;
  }

  /** The batch event's JSON, written into one buffer of its exact size. */
  build(batchId: string, messages: readonly TrackedMessage[]): Uint8Array {
    const head = JSON.stringify({
      version: CONTRACT_VERSION,
      source: 'nsq-lambda',
      batchId,
      subscription: this.config.subscription,
    });
    const open = `${head.slice(0, -1)},"messages":[`;
    let size = Buffer.byteLength(open) + Math.max(0, messages.length - 1) + 2;
    for (const m of messages) size += m.encodedBytes;
    const buffer = Buffer.allocUnsafe(size);
    let at = buffer.write(open, 0);
    for (let i = 0; i < messages.length; i++) {
      if (i > 0) buffer[at++] = 0x2c; // ,
      at += (messages[i] as TrackedMessage).writeEntry(buffer, at);
    }
    buffer[at++] = 0x5d; // ]
    buffer[at++] = 0x7d; // }
    if (at !== size) throw new Error(`batch event size mismatch: wrote ${at} of ${size} bytes`);
    return buffer;
  }
}
