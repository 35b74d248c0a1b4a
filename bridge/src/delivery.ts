/**
 * One NSQ delivery as the engine sees it, and its answer guard. The transport (bridge/src/nsq) gives a
 * `DeliveryHandle`; the engine wraps it in a `TrackedMessage` whose state machine
 * (pending → invoking → answered) sends exactly ONE answer, even when two code paths answer in the
 * same tick (nsqjs only marks a message answered on the next tick, so FIN+REQ would both go out).
 */

/** What the NSQ transport provides per delivered message. */
export interface DeliveryHandle {
  readonly id: string;
  readonly attempts: number;
  readonly body: Buffer;
  /** Producer timestamp, ms since the epoch. */
  readonly timestampMs: number;
  readonly nsqdAddress: string;
  /** Identifies the nsqd connection that delivered it (unique across reconnects): answers only work on it. */
  readonly connectionId: string;
  /** FIN. Called at most once (the engine guards it). */
  finish(): void;
  /** REQ with an integer delay ≥ 0, never nsqjs backoff. Called at most once. */
  requeue(delayMs: number): void;
  /** TOUCH: resets nsqd's timer to now + msg_timeout. */
  touch(): void;
  /** ms left before nsqd's --max-msg-timeout (TOUCH cannot go past it); null when already passed or unknown. */
  hardRemainingMs(): number | null;
}

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
  /** The message's entry in the batch event, pre-encoded (its JSON text). */
  readonly encoded: string;
  readonly encodedBytes: number;

  constructor(
    readonly handle: DeliveryHandle,
    readonly subscription: string,
    readonly topic: string,
    readonly channel: string,
    readonly receivedAtMs: number,
  ) {
    this.lastTouchedAtMs = receivedAtMs;
    // Base64 needs no JSON escaping: build the entry around it rather than have JSON.stringify scan
    // and copy it again. nsqjs bodies are Buffers already (encodeBody would copy them first).
    this.encoded = `{"id":${JSON.stringify(handle.id)},"body":"${handle.body.toString('base64')}","attempts":${handle.attempts},"timestampMs":${handle.timestampMs},"topic":${JSON.stringify(topic)},"channel":${JSON.stringify(channel)},"nsqdAddress":${JSON.stringify(handle.nsqdAddress)}}`;
    this.encodedBytes = Buffer.byteLength(this.encoded);
  }

  get id(): string {
    return this.handle.id;
  }

  get attempts(): number {
    return this.handle.attempts;
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

  /** invoking → pending (e.g. a throttled batch put back). */
  markPending(): void {
    if (this.#state === 'invoking') this.#state = 'pending';
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
    this.#answer = { kind: 'finish' };
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
