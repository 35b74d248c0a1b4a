/**
 * One answer per message: FIN, REQ (with the policy delay, a function's delay or a fixed one) or a
 * dead letter (written first, FIN only once the store confirmed; a failed write REQueues). A queued
 * redelivery of an answered message (same id, same connection) shares its answer ("twins"). Counts the
 * deliveries in flight and the answers. What a dead letter says is in dead-letter-records.ts.
 */
import type { BridgeSubscription } from '#shared/config/bridge-config';
import { FINISH_OUTCOME, type ItemOutcome } from '#shared/contract/batch-result';
import { type Random, requeueDelayMs } from '../backoff.ts';
import type { TrackedMessage } from '../delivery.ts';
import type { BridgeEventEmitter, RequeueCause } from '../events.ts';
import type { Clock, DeadLetterStore } from '../ports.ts';
import { ThrottleRequeues } from '../throttle-requeues.ts';
import type { TouchManager } from '../touch-manager.ts';
import type { KeptAttemptRequeue } from './batch-decision.ts';
import type { BatchQueue } from './batch-queue.ts';
import { type DeadLetterRequest, deadLetterRecord, lastAttemptRequest } from './dead-letter-records.ts';
import { type RecordAgeDecision, recordAgeDecision } from './record-age.ts';

type Expired = Exclude<RecordAgeDecision, { action: 'keep' }>;

export interface AnswererDeps {
  readonly config: BridgeSubscription;
  readonly events: BridgeEventEmitter;
  readonly clock: Clock;
  readonly touch: TouchManager;
  readonly deadLetters: DeadLetterStore;
  readonly queue: BatchQueue;
  readonly throttleRequeues: ThrottleRequeues;
  /** nsqd's --max-req-timeout. */
  readonly maxReqTimeoutMs: number;
  readonly random: Random;
  /** While draining, requeues are immediate (no policy delay). */
  readonly draining: () => boolean;
}

export class Answerer {
  #answeredCount = 0;
  /** Deliveries received and not yet answered or absorbed by a twin's answer. */
  #inFlight = 0;

  constructor(private readonly deps: AnswererDeps) {}

  get answeredCount(): number {
    return this.#answeredCount;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get #name(): string {
    return this.deps.config.name;
  }

  /** A delivery arrived: it is in flight (and TOUCHed) until answered. */
  received(m: TrackedMessage): void {
    this.#inFlight++;
    this.deps.touch.track(m, this.deps.config.touchIntervalMs);
  }

  /** FIN after an invoke; `nowMs` (the clock when omitted) times its latency. */
  finish(m: TrackedMessage, nowMs?: number): void {
    if (!m.finish()) return;
    this.#forgetThrottles(m);
    this.#answered(m);
    this.deps.events.emit('message_finished', {
      subscription: this.#name,
      id: m.id,
      attempts: m.attempts,
      latencyMs: (nowMs ?? this.deps.clock.now()) - m.receivedAtMs,
    });
  }

  /** REQ after `delayMs` (clamped to nsqd's --max-req-timeout); `reason` is the text, `cause` its kind. */
  requeue(m: TrackedMessage, delayMs: number, cause: RequeueCause, reason: string = cause): void {
    const delay = Math.min(Math.max(0, Math.floor(delayMs)), this.deps.maxReqTimeoutMs);
    if (!m.requeue(delay, reason)) return;
    this.#answered(m);
    this.#requeued(m, delay, cause, reason);
  }

  /** FIN without an invoke or a dead letter (filtered out, expired and dropped): no message_finished. */
  finishUninvoked(m: TrackedMessage): void {
    if (!m.finish()) return;
    this.#forgetThrottles(m);
    this.#answered(m);
  }

  /** Past maxRecordAgeMs (on arrival or for a retry): dropped now, or its dead letter returned to write. */
  expired(m: TrackedMessage, age: Expired, at: 'receive' | 'retry'): DeadLetterRequest | undefined {
    const { ageMs, action, reason } = age;
    this.deps.events.emit('message_expired', { subscription: this.#name, id: m.id, ageMs, at, action });
    if (action === 'deadLetter') return { message: m, kind: 'expired', reason };
    this.finishUninvoked(m);
    return undefined;
  }

  /** REQ for a retry; one that would come back past maxRecordAgeMs expires instead (its dead letter, if any). */
  #retry(m: TrackedMessage, delayMs: number, cause: RequeueCause, reason: string): DeadLetterRequest[] {
    const age = recordAgeDecision(this.deps.config, m.handle.timestampMs, this.deps.clock.now(), delayMs);
    if (age.action === 'keep') this.requeue(m, delayMs, cause, reason);
    else return [this.expired(m, age, 'retry')].filter((r) => r !== undefined);
    return [];
  }

  requeueAll(messages: readonly TrackedMessage[], delayMs: number, cause: RequeueCause): void {
    for (const m of messages) this.requeue(m, delayMs, cause);
  }

  /**
   * A throttled batch (or one whose signature the endpoint rejected) cannot wait for its retry: REQ with
   * the retry delay, and its next delivery is discounted (throttle-requeues.ts), since the function did
   * not run. `keptAttempt` gives the cause and says what happened.
   */
  requeueThrottled(
    messages: readonly TrackedMessage[],
    delayMs: number,
    keptAttempt: KeptAttemptRequeue,
  ): void {
    const reason = `${keptAttempt.what}: the retry would outlast nsqd --max-msg-timeout; no attempt spent`;
    this.requeueUnspent(messages, delayMs, keptAttempt.cause, reason);
  }

  /**
   * REQ messages the function never saw, spending no attempt: their next delivery is discounted
   * (throttle-requeues.ts), so they are never dead-lettered for it.
   */
  requeueUnspent(
    messages: readonly TrackedMessage[],
    delayMs: number,
    cause: RequeueCause,
    reason: string,
  ): void {
    for (const m of messages) {
      if (m.answered) continue;
      this.deps.throttleRequeues.record(
        ThrottleRequeues.key(m.handle.nsqdAddress, m.id),
        m.handle.attempts,
        m.freeDeliveries,
      );
      this.requeue(m, delayMs, cause, reason);
    }
  }

  /**
   * The queued deliveries of a closed connection: nsqd gives them to another consumer (or to us again)
   * after msg_timeout; nothing is sent.
   */
  dropped(m: TrackedMessage): void {
    if (!m.absorb({ kind: 'requeue', delayMs: 0, reason: 'connection closed' })) return;
    this.#settled(m);
    this.#requeued(m, 0, 'connection closed', 'connection closed: nsqd requeues it after msg_timeout');
  }

  /** Requeue with the policy delay, or dead-letter the ones that used their last attempt. */
  async fail(messages: readonly TrackedMessage[], reason: string, cause: RequeueCause): Promise<void> {
    const dead: DeadLetterRequest[] = [];
    for (const m of messages) {
      if (m.answered) continue;
      if (m.attempts >= this.deps.config.maxAttempts) dead.push(this.#lastAttempt(m, reason));
      else if (this.deps.draining()) this.requeue(m, 0, cause, reason);
      else dead.push(...this.#retry(m, this.policyDelay(m), cause, reason));
    }
    if (dead.length > 0) await this.deadLetter(dead);
  }

  /** The function's answer: finish, dead-letter or requeue each message (unlisted ones finish). */
  async applyOutcomes(
    batch: readonly TrackedMessage[],
    outcomes: ReadonlyMap<string, ItemOutcome>,
    requestId: string | undefined,
  ): Promise<void> {
    const dead: DeadLetterRequest[] = [];
    const nowMs = this.deps.clock.now();
    for (const m of batch) {
      const outcome = outcomes.get(m.id) ?? FINISH_OUTCOME;
      if (outcome.kind === 'finish') {
        this.finish(m, nowMs);
      } else if (outcome.kind === 'deadLetter') {
        m.lastError = {
          type: 'DeadLetteredByFunction',
          message: outcome.reason,
          ...(requestId && { requestId }),
        };
        dead.push({ message: m, kind: outcome.reasonKind ?? 'function', reason: outcome.reason });
      } else {
        const reason = outcome.reason ?? 'requeued by the function';
        m.lastError = { type: 'RequeuedByFunction', message: reason, ...(requestId && { requestId }) };
        if (m.attempts >= this.deps.config.maxAttempts) dead.push(this.#lastAttempt(m, reason));
        else dead.push(...this.#retry(m, outcome.delayMs ?? this.policyDelay(m), 'function', reason));
      }
    }
    if (dead.length > 0) await this.deadLetter(dead);
  }

  policyDelay(m: TrackedMessage): number {
    return requeueDelayMs(this.deps.config.requeue, m.attempts, this.deps.maxReqTimeoutMs, this.deps.random);
  }

  /** Writes the records first; FIN only once the store confirmed. A failed write REQueues. */
  async deadLetter(requests: readonly DeadLetterRequest[]): Promise<void> {
    const live = requests.filter((r) => !r.message.answered);
    if (live.length === 0) return;
    const { config, deadLetters, events } = this.deps;
    const now = this.deps.clock.now();
    const records = live.map((r) => deadLetterRecord(config, r, now));
    try {
      await deadLetters.write(records);
    } catch (error) {
      events.emit('dead_letter_failed', {
        subscription: config.name,
        ids: live.map((r) => r.message.id),
        error: error as Error,
      });
      for (const { message } of live)
        this.requeue(
          message,
          this.deps.draining() ? 0 : this.policyDelay(message),
          'dead-letter write failed',
        );
      return;
    }
    for (const { message, kind } of live) {
      if (!message.finish()) continue;
      this.#forgetThrottles(message);
      this.#answered(message);
      events.emit('message_dead_lettered', {
        subscription: config.name,
        id: message.id,
        attempts: message.attempts,
        reason: kind,
        destination: deadLetters.describe,
      });
    }
  }

  #lastAttempt(m: TrackedMessage, reason: string): DeadLetterRequest {
    return lastAttemptRequest(m, this.deps.config.maxAttempts, reason);
  }

  #requeued(m: TrackedMessage, delayMs: number, cause: RequeueCause, reason: string): void {
    this.deps.events.emit('message_requeued', {
      subscription: this.#name,
      id: m.id,
      attempts: m.attempts,
      delayMs,
      reason,
      cause,
    });
  }

  #forgetThrottles(m: TrackedMessage): void {
    if (m.freeDeliveries > 0)
      this.deps.throttleRequeues.forget(ThrottleRequeues.key(m.handle.nsqdAddress, m.id));
  }

  /** `m` was just answered (FIN or REQ sent): its queued twins share the answer, and it is settled. */
  #answered(m: TrackedMessage): void {
    const answer = m.answer;
    if (answer) {
      for (const twin of this.deps.queue.takeTwins(m)) {
        if (!twin.absorb(answer)) continue;
        this.#release(twin);
        this.deps.events.emit('message_redelivery_absorbed', {
          subscription: this.#name,
          id: twin.id,
          attempts: twin.attempts,
          answer: answer.kind,
        });
      }
    }
    this.#settled(m);
  }

  /** `m` needs nothing more: no TOUCH, and it is no longer in flight. */
  #release(m: TrackedMessage): void {
    this.deps.touch.untrack(m);
    this.#inFlight--;
  }

  /** `m` was answered (an answer event follows): released, and counted as answered. */
  #settled(m: TrackedMessage): void {
    this.#release(m);
    this.#answeredCount++;
  }
}
