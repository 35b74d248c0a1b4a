/**
 * One NSQ delivery as the engine sees it, and its answer guard. The transport (bridge/src/nsq) gives a
 * `DeliveryHandle` (ports.ts); the engine wraps it in a `TrackedMessage` whose state machine
 * (pending → invoking → answered) sends exactly ONE answer, even when two code paths answer in the
 * same tick (nsqjs only marks a message answered on the next tick, so FIN+REQ would both go out).
 */
import type { ClaimCheckPointer } from '#shared/contract/claim-check';
import type { DeliveryHandle } from './ports.ts';

export type MessageState = 'pending' | 'invoking' | 'answered';
export type Answer =
  | { readonly kind: 'finish' }
  | { readonly kind: 'requeue'; readonly delayMs: number; readonly reason: string };

export class TrackedMessage {
  #state: MessageState = 'pending';
  #answer: Answer | undefined;
  #orphaned = false;
  /** Last TOUCH (or delivery) time, for the touch manager. */
  lastTouchedAtMs: number;
  nearMaxWarned = false;
  /** The most recent invocation error seen for this message (kept for the dead-letter record). */
  lastError: { type: string; message: string; requestId?: string } | undefined;
  /**
   * The message's entry in the batch event (JSON text) is written straight into the request buffer when
   * a batch is sent (`writeEntry`): nothing of it is kept meanwhile (a message in flight outlives the
   * young generation, so whatever it holds ends up in the old one), and the base64 body needs no JSON
   * escaping. Its size is computed from the parts.
   */
  readonly #tail: EntryTail;
  /** Bytes of the entry's JSON text (with a claim check: of the pointer entry). */
  #encodedBytes: number;
  /** Set by `planClaimCheck`: the entry will carry a pointer, not the body (docs/contract.md). */
  #claimCheckPlanned = false;
  /** The stored body's pointer, once the claim-check store confirmed it (PayloadBuilder.prepare). */
  claimCheck: ClaimCheckPointer | undefined;

  /** Earlier deliveries that spent no attempt (throttle requeues, see throttle-requeues.ts). */
  readonly freeDeliveries: number;
  /** Attempts spent, counting this delivery: nsqd's count less the free deliveries, at least 1. */
  readonly attempts: number;

  /**
   * @param tail the entry's constant end for the message's topic, channel and nsqd address (see
   *   `entryTail`); PayloadBuilder.entryTail caches it per nsqd address. Computed here when omitted.
   * @param freeDeliveries earlier deliveries of it that spent no attempt. @default 0
   */
  constructor(
    readonly handle: DeliveryHandle,
    readonly subscription: string,
    readonly topic: string,
    readonly channel: string,
    readonly receivedAtMs: number,
    tail: EntryTail = entryTail(topic, channel, handle.nsqdAddress),
    freeDeliveries = 0,
  ) {
    this.lastTouchedAtMs = receivedAtMs;
    this.#tail = tail;
    this.freeDeliveries = Math.max(0, Math.min(freeDeliveries, handle.attempts - 1));
    this.attempts = handle.attempts - this.freeDeliveries;
    // {"id":<id>,"body":"<base64>","attempts":<n>,"timestampMs":<n><tail>
    this.#encodedBytes =
      ENTRY_FIXED_BYTES +
      jsonStringBytes(handle.id) +
      base64Length(handle.body.length) +
      String(this.attempts).length +
      String(handle.timestampMs).length +
      tail.bytes;
  }

  get encodedBytes(): number {
    return this.#encodedBytes;
  }

  /**
   * From now on the entry carries a claim-check pointer of `pointerEntryBytes` (ClaimCheckStore.
   * pointerEntryBytes) and an empty body; the pointer itself is set once the body is stored.
   */
  planClaimCheck(pointerEntryBytes: number): void {
    if (this.#claimCheckPlanned) return;
    this.#claimCheckPlanned = true;
    this.#encodedBytes += pointerEntryBytes - base64Length(this.handle.body.length);
  }

  get claimCheckPlanned(): boolean {
    return this.#claimCheckPlanned;
  }

  /** The entry's JSON text (what `writeEntry` writes), for tests and diagnostics. */
  get encoded(): string {
    if (this.#claimCheckPlanned) return `${this.#head()}${this.#pointerText()}${this.#end().slice(1)}`;
    return `${this.#head()}${this.handle.body.toString('base64')}${this.#end()}`;
  }

  /** `",claimCheck":{...}` after the empty body's closing quote. */
  #pointerText(): string {
    if (!this.claimCheck)
      throw new Error(`message ${this.id}: claim check planned but the body is not stored yet`);
    return `","claimCheck":${JSON.stringify(this.claimCheck)}`;
  }

  #head(): string {
    return `{"id":${JSON.stringify(this.handle.id)},"body":"`;
  }

  #end(): string {
    return `","attempts":${this.attempts},"timestampMs":${this.handle.timestampMs}${this.#tail.text}`;
  }

  /** Writes the entry's JSON text into `target` at `offset`; returns the bytes written (`encodedBytes`). */
  writeEntry(target: Buffer, offset: number): number {
    let at = offset + target.write(this.#head(), offset);
    if (this.#claimCheckPlanned) {
      at += target.write(this.#pointerText(), at);
      at += target.write(this.#end().slice(1), at);
      return at - offset;
    }
    // A base64 string is one byte per character: latin1 copies it without the UTF-8 scan.
    at += target.write(this.handle.body.toString('base64'), at, 'latin1');
    at += target.write(this.#end(), at);
    return at - offset;
  }

  get id(): string {
    return this.handle.id;
  }

  get state(): MessageState {
    return this.#state;
  }

  get answered(): boolean {
    return this.#state === 'answered';
  }

  get answer(): Answer | undefined {
    return this.#answer;
  }

  /** pending → invoking (a batch took it). Returns false if it is not pending. */
  markInvoking(): boolean {
    if (this.#state !== 'pending') return false;
    this.#state = 'invoking';
    return true;
  }

  /** Its connection closed: answers and TOUCHes can no longer reach nsqd, so none are sent. */
  get orphaned(): boolean {
    return this.#orphaned;
  }

  orphan(): void {
    this.#orphaned = true;
  }

  /** Sends FIN unless already answered. Returns true when this call answered. */
  finish(): boolean {
    if (this.#state === 'answered') return false;
    this.#state = 'answered';
    this.#answer = FINISHED;
    if (!this.#orphaned) this.handle.finish();
    return true;
  }

  /** Sends REQ unless already answered. Returns true when this call answered. */
  requeue(delayMs: number, reason: string): boolean {
    if (this.#state === 'answered') return false;
    this.#state = 'answered';
    const safe = Number.isFinite(delayMs) && delayMs > 0 ? Math.floor(delayMs) : 0;
    this.#answer = { kind: 'requeue', delayMs: safe, reason };
    if (!this.#orphaned) this.handle.requeue(safe);
    return true;
  }

  /**
   * Marks this delivery answered WITHOUT sending anything: an earlier delivery of the same id on the same
   * nsqd connection already answered it (nsqd keys in-flight messages by id, so that answer applied to
   * this redelivery). Returns true when this call changed the state.
   */
  absorb(by: Answer): boolean {
    if (this.#state === 'answered') return false;
    this.#state = 'answered';
    this.#answer = by;
    return true;
  }

  /** TOUCH unless answered. */
  touch(nowMs: number): boolean {
    if (this.#state === 'answered' || this.#orphaned) return false;
    this.lastTouchedAtMs = nowMs;
    this.handle.touch();
    return true;
  }
}

/** Every FIN's answer (one frozen object, not one per message). */
const FINISHED: Answer = Object.freeze({ kind: 'finish' });

/** The fixed characters of an entry: `{"id":` `,"body":"` `","attempts":` `,"timestampMs":`. */
const ENTRY_FIXED_BYTES = 6 + 9 + 13 + 15;

/** Printable ASCII without `"` and `\\`: JSON.stringify only adds the quotes. */
const PLAIN_JSON_STRING = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** Bytes of `JSON.stringify(text)` (UTF-8). */
export function jsonStringBytes(text: string): number {
  return PLAIN_JSON_STRING.test(text) ? text.length + 2 : Buffer.byteLength(JSON.stringify(text));
}

/** Length of the base64 text of `bytes` bytes (with padding). */
export function base64Length(bytes: number): number {
  return 4 * Math.ceil(bytes / 3);
}

/** The constant end of a message's batch-event entry, and its size in bytes. */
export interface EntryTail {
  readonly text: string;
  readonly bytes: number;
}

/** The constant end of a message's batch-event entry for one topic, channel and nsqd address. */
export function entryTail(topic: string, channel: string, nsqdAddress: string): EntryTail {
  const text = `,"topic":${JSON.stringify(topic)},"channel":${JSON.stringify(channel)},"nsqdAddress":${JSON.stringify(nsqdAddress)}}`;
  return { text, bytes: Buffer.byteLength(text) };
}
