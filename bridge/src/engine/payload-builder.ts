/**
 * The batch event's bytes: the envelope, each message's entry (written straight from its delivery, see
 * TrackedMessage.writeEntry), and the size accounting the batch queue sizes batches with.
 *
 * Claim checks (docs/contract.md, "Claim checks"), with a `ClaimCheckStore`: on arrival, `plan` marks a
 * message whose event alone would pass maxBytes (or whose body is over `thresholdBytes`) to carry a
 * pointer instead of its body, so the batch queue sizes it as the small pointer entry; before each Invoke,
 * `prepare` stores the bodies not stored yet (content-addressed: a retry, bisect half or redelivery of the
 * same body writes the same object). Without a store, `oversize` turns such a message away and the runner
 * dead-letters it `undeliverable`.
 */
import { forEachWithConcurrency } from '#shared/concurrency';
import { LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES } from '#shared/config/subscription';
import { CONTRACT_VERSION } from '#shared/contract/batch-event';
import { type EntryTail, entryTail, type TrackedMessage } from '../delivery.ts';
import type { ClaimCheckStore } from '../ports.ts';

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
  /** Claim checks: where bodies go, and the size over which every body goes there. @default - off */
  readonly claimChecks?: { readonly store: ClaimCheckStore; readonly thresholdBytes?: number };
}

/** Messages whose body could not be stored, with why. */
export interface ClaimCheckFailure {
  readonly messages: readonly TrackedMessage[];
  readonly error: Error;
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

  /**
   * On arrival: with claim checks on, marks `message` to carry a pointer when it is too large for an
   * event on its own or its body is over the threshold. Returns whether it will be claim-checked.
   */
  plan(message: TrackedMessage): boolean {
    const cc = this.config.claimChecks;
    if (!cc) return false;
    const over = cc.thresholdBytes !== undefined && message.handle.body.length > cc.thresholdBytes;
    if (!over && this.oversize(message) === undefined) return false;
    message.planClaimCheck(cc.store.pointerEntryBytes(message.handle.body.length));
    return true;
  }

  /**
   * Before an Invoke: stores every planned body of `messages` not stored yet, at most 4 at once.
   * Resolves with the messages stored now and those that could not be (the caller requeues them); never
   * rejects.
   */
  async prepare(
    messages: readonly TrackedMessage[],
    signal?: AbortSignal,
  ): Promise<{ stored: TrackedMessage[]; failures: ClaimCheckFailure[] }> {
    const store = this.config.claimChecks?.store;
    const todo = messages.filter((m) => m.claimCheckPlanned && m.claimCheck === undefined && !m.answered);
    const stored: TrackedMessage[] = [];
    const failures: ClaimCheckFailure[] = [];
    if (!store || todo.length === 0) return { stored, failures };
    await forEachWithConcurrency(todo, 4, async (m) => {
      try {
        m.claimCheck = await store.put(m.handle.body, signal);
        stored.push(m);
      } catch (error) {
        failures.push({ messages: [m], error: error as Error });
      }
    });
    return { stored, failures };
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
