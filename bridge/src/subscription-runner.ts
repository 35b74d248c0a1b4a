/**
 * The engine for one subscription, transport-free: messages in (from a `MessageSource`), batches out
 * (to a `BatchInvoker`), one answer per message back. See docs/bridge.md for the outcome table.
 *
 * - Batches flush on maxMessages, maxBytes (the exact encoded event size, a hard limit: a message too
 *   large for it on its own is dead-lettered `undeliverable`) or maxWaitMs after the oldest queued
 *   message; a batch never holds two deliveries with the same id.
 * - Concurrency is capped by an AIMD semaphore (cut to 70 % on 429, once per congestion event; +1 after `limit` successes).
 * - Attempts are checked on arrival (`> maxAttempts`: dead-letter without invoking) and after each
 *   failure (`>= maxAttempts`: dead-letter instead of REQ). Dead letters are written before the FIN;
 *   a failed write REQueues.
 * - Whole-batch failures (function error, ambiguous, malformed response) bisect the batch when one of its
 *   messages has been delivered before, so a poison message is isolated and the healthy ones finish.
 */
import { randomUUID } from 'node:crypto';
import type { BridgeSubscription } from '#shared/config/bridge-config';
import { LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES } from '#shared/config/subscription';
import { CONTRACT_VERSION } from '#shared/contract/batch-event';
import { type ItemOutcome, parseBatchResult } from '#shared/contract/batch-result';
import type { DeadLetterRecord } from '#shared/contract/dead-letter';
import { AimdLimiter } from './aimd-limiter.ts';
import { type Random, type RetryBackoff, requeueDelayMs, retryDelayMs } from './backoff.ts';
import { type EntryTail, entryTail, TrackedMessage } from './delivery.ts';
import type { BridgeEventEmitter } from './events.ts';
import type {
  BatchInvoker,
  Clock,
  DeadLetterStore,
  DeliveryHandle,
  InvokeResult,
  MessageSource,
  ToggleReading,
} from './ports.ts';
import { ThrottleRequeues } from './throttle-requeues.ts';
import type { TouchManager } from './touch-manager.ts';

/**
 * Room kept for the batch id in the envelope when sizing a batch against maxBytes: a UUID (36) plus two
 * characters per bisect or split level (`.0`, `.a`...), at most ⌈log₂ 10,000⌉ = 14 levels of each.
 */
export const BATCH_ID_RESERVE_CHARS = 36 + 2 * 2 * 14;

type DeadLetterKind = DeadLetterRecord['reasonKind'];
type LastError = NonNullable<TrackedMessage['lastError']>;

export interface SubscriptionRunnerDeps {
  readonly invoker: BatchInvoker;
  readonly deadLetters: DeadLetterStore;
  readonly events: BridgeEventEmitter;
  readonly clock: Clock;
  readonly touch: TouchManager;
  readonly source: MessageSource;
  /** nsqd's --max-req-timeout. */
  readonly maxReqTimeoutMs: number;
  readonly random?: Random;
  /** Backoff of in-bridge retries (429, not executed). @default { baseDelayMs: 200, maxDelayMs: 20_000 } */
  readonly retryBackoff?: RetryBackoff;
  /** Retries of a 'notExecuted' Invoke before the batch is requeued. @default 2 */
  readonly notExecutedRetries?: number;
}

export interface SubscriptionStatus {
  readonly name: string;
  readonly connections: number;
  readonly paused: boolean;
  readonly queued: number;
  readonly invoking: number;
  readonly concurrencyLimit: number;
  readonly activeInvocations: number;
  /** Messages received and not answered yet (each delivery is answered, or settled, exactly once). */
  readonly inFlight: number;
}

export class SubscriptionRunner {
  readonly limiter: AimdLimiter;
  readonly #queue: TrackedMessage[] = [];
  /** How many queued messages carry each id, so a finished message checks for a queued twin in O(1). */
  readonly #queuedIds = new Map<string, number>();
  /** Ids in a batch being invoked (or waiting out a throttle): never batch a second delivery of them. */
  readonly #busyIds = new Map<string, number>();
  readonly #work = new Set<Promise<void>>();
  /** Batches taken off the queue and not released yet. */
  readonly #inBatches = new Set<readonly TrackedMessage[]>();
  readonly #random: Random;
  readonly #retryBackoff: RetryBackoff;
  readonly #notExecutedRetries: number;
  /** Aborts Invokes at the drain deadline. */
  readonly #invokeAbort = new AbortController();
  /** Wakes throttle/retry waits when draining starts. */
  readonly #drainAbort = new AbortController();
  #flushTimer: NodeJS.Timeout | undefined;
  #flushAtMs = Number.POSITIVE_INFINITY;
  #draining = false;
  #toggleStopped = false;
  #invokingCount = 0;
  #answeredCount = 0;
  /** Deliveries received and not yet answered or absorbed by a twin's answer. */
  #inFlight = 0;
  /** Throttle requeues, discounted from nsqd's attempts when the message comes back. */
  readonly #throttleRequeues = new ThrottleRequeues();

  constructor(
    readonly config: BridgeSubscription,
    private readonly deps: SubscriptionRunnerDeps,
  ) {
    this.limiter = new AimdLimiter(config.maxConcurrentInvocations);
    this.#random = deps.random ?? Math.random;
    this.#retryBackoff = deps.retryBackoff ?? { baseDelayMs: 200, maxDelayMs: 20_000 };
    this.#notExecutedRetries = deps.notExecutedRetries ?? 2;
  }

  get name(): string {
    return this.config.name;
  }

  /** Messages answered so far (finished, requeued or dead-lettered: one per such event). */
  get answeredCount(): number {
    return this.#answeredCount;
  }

  get status(): SubscriptionStatus {
    return {
      name: this.name,
      connections: this.deps.source.connectedCount,
      paused: this.#toggleStopped || this.#draining,
      queued: this.#queue.length,
      invoking: this.#invokingCount,
      concurrencyLimit: this.limiter.limit,
      activeInvocations: this.limiter.active,
      inFlight: this.#inFlight,
    };
  }

  start(): void {
    this.deps.source.start(
      (handle) => this.onMessage(handle),
      (connectionId) => this.onConnectionClosed(connectionId),
    );
  }

  /**
   * A connection closed: its queued messages cannot be answered any more (nsqd gives them to another
   * consumer, or to us again, after msg_timeout), so they are dropped without invoking. Messages of it
   * that are being invoked finish their invocation; their answers are lost (at-least-once).
   */
  onConnectionClosed(connectionId: string): void {
    for (const batch of this.#inBatches)
      for (const m of batch) if (m.handle.connectionId === connectionId) m.orphan();
    for (let i = this.#queue.length - 1; i >= 0; i--) {
      const m = this.#queue[i];
      if (!m || m.handle.connectionId !== connectionId) continue;
      this.#queue.splice(i, 1);
      this.#forming = undefined;
      this.#unqueued(m);
      if (!m.absorb({ kind: 'requeue', delayMs: 0, reason: 'connection closed' })) continue;
      this.#settled(m);
      this.deps.events.emit('message_requeued', {
        subscription: this.name,
        id: m.id,
        attempts: m.attempts,
        delayMs: 0,
        reason: 'connection closed: nsqd requeues it after msg_timeout',
      });
    }
  }

  /** Entry point for every delivery. Never throws: a failure here REQueues the message. */
  onMessage(handle: DeliveryHandle): void {
    let message: TrackedMessage | undefined;
    try {
      message = new TrackedMessage(
        handle,
        this.name,
        this.config.topic,
        this.config.channelName,
        this.deps.clock.now(),
        this.#entryTail(handle.nsqdAddress),
        this.#throttleRequeues.discount(ThrottleRequeues.key(handle.nsqdAddress, handle.id), handle.attempts),
      );
      this.#inFlight++;
      this.deps.events.emit('message_received', {
        subscription: this.name,
        id: handle.id,
        attempts: handle.attempts,
        bytes: handle.body.length,
      });
      this.deps.touch.track(message, this.config.touchIntervalMs);
      if (this.#draining) {
        this.#requeue(message, 0, 'draining');
        return;
      }
      if (this.#toggleStopped) {
        this.#requeue(message, this.config.toggle.requeueDelayMs, 'toggle stopped');
        return;
      }
      if (message.attempts > this.config.maxAttempts) {
        this.#track(
          this.#deadLetter([
            {
              message,
              kind: 'maxAttempts',
              reason: `delivered ${message.attempts} times (maxAttempts ${this.config.maxAttempts}); earlier deliveries timed out or failed`,
            },
          ]),
        );
        return;
      }
      // maxBytes is a hard limit (and below Lambda's Invoke limit): a message whose event alone would pass
      // it can never be invoked, so it is dead-lettered now rather than sent in an oversized event.
      const aloneBytes = this.#envelopeBytes(BATCH_ID_RESERVE_CHARS) + message.encodedBytes;
      if (aloneBytes > this.config.maxBytes) {
        this.#track(
          this.#deadLetter([
            {
              message,
              kind: 'undeliverable',
              reason:
                aloneBytes > LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES
                  ? `the encoded message (${message.encodedBytes} bytes) exceeds Lambda's ${LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES}-byte Invoke limit on its own`
                  : `an event holding only this message would be ${aloneBytes} bytes, over the subscription's maxBytes (${this.config.maxBytes})`,
            },
          ]),
        );
        return;
      }
      this.#queue.push(message);
      this.#queuedIds.set(message.id, (this.#queuedIds.get(message.id) ?? 0) + 1);
      this.pump();
    } catch (error) {
      this.deps.events.emit('error', { subscription: this.name, error: error as Error });
      try {
        if (message) this.#requeue(message, 0, 'internal error');
        else handle.requeue(0);
      } catch {
        // The connection is gone: nsqd redelivers after msg_timeout.
      }
    }
  }

  /** Forms and dispatches as many batches as the limits and free slots allow. */
  pump(): void {
    if (this.#draining || this.#toggleStopped) return;
    const now = this.deps.clock.now();
    while (this.#queue.length > 0 && this.limiter.hasFreeSlot) {
      const forming = this.#formingBatch();
      if (forming.batch.length === 0) break;
      if (!forming.full && forming.oldestAtMs + this.config.maxWaitMs > now) {
        this.#scheduleFlush(forming.oldestAtMs + this.config.maxWaitMs);
        return;
      }
      // A message may have been answered while it waited (nothing else changes a queued message).
      if (forming.batch.some((m) => m.answered)) {
        this.#forming = undefined;
        continue;
      }
      if (!this.limiter.tryAcquire()) break;
      const batch = forming.batch;
      this.#takeForming(batch);
      this.#track(this.#runBatch(batch));
    }
  }

  /** Applies a toggle reading (policy 'requeue' only): stopped pauses consumption (RDY 0). */
  applyToggle(reading: ToggleReading): void {
    if (this.config.toggle.policy !== 'requeue' || this.#draining) return;
    const stopped =
      reading === 'stopped' || (reading === 'unknown' && this.config.toggle.failMode === 'closed');
    if (stopped === this.#toggleStopped) return;
    this.#toggleStopped = stopped;
    if (stopped) {
      this.deps.source.pause();
      this.#clearFlush();
      this.deps.events.emit('paused', { subscription: this.name, reason: 'toggle' });
      for (const m of this.#takeQueue())
        this.#requeue(m, this.config.toggle.requeueDelayMs, 'toggle stopped');
    } else {
      this.deps.source.resume();
      this.deps.events.emit('resumed', { subscription: this.name });
      this.pump();
    }
  }

  /**
   * Drain: RDY 0, requeue(0) what is queued, let invocations finish until `deadlineAtMs` (messages
   * keep being TOUCHed), then abort what is left (requeued), answer everything, flush, close.
   * Returns whether the deadline passed.
   */
  async drain(deadlineAtMs: number): Promise<boolean> {
    if (!this.#draining) {
      this.#draining = true;
      this.#clearFlush();
      try {
        this.deps.source.pause();
      } catch (error) {
        this.deps.events.emit('error', { subscription: this.name, error: error as Error });
      }
      this.deps.events.emit('paused', { subscription: this.name, reason: 'drain' });
      for (const m of this.#takeQueue()) this.#requeue(m, 0, 'draining');
      this.#drainAbort.abort();
    }
    let timedOut = !(await this.#settle(deadlineAtMs - this.deps.clock.now()));
    if (timedOut) {
      this.#invokeAbort.abort(new Error('drain deadline passed'));
      await this.#settle(5_000);
    }
    for (const m of this.#takeQueue()) this.#requeue(m, 0, 'draining');
    timedOut = timedOut || this.#work.size > 0;
    // Let the answers reach the socket before the connection closes.
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 50));
    await this.deps.source.close();
    return timedOut;
  }

  async #settle(withinMs: number): Promise<boolean> {
    const end = Date.now() + Math.max(0, withinMs);
    while (this.#work.size > 0) {
      const left = end - Date.now();
      if (left <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.#work]),
        new Promise((r) => {
          timer = setTimeout(r, left);
        }),
      ]);
      clearTimeout(timer);
    }
    return true;
  }

  #track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => {
      this.deps.events.emit('error', { subscription: this.name, error: error as Error });
    });
    this.#work.add(tracked);
    void tracked.finally(() => this.#work.delete(tracked));
  }

  /** Each nsqd address's constant end of a batch-event entry (topic and channel are the subscription's). */
  readonly #entryTails = new Map<string, EntryTail>();

  #entryTail(nsqdAddress: string): EntryTail {
    let tail = this.#entryTails.get(nsqdAddress);
    if (tail === undefined) {
      // Addresses come and go with lookupd discovery; keep the cache bounded.
      if (this.#entryTails.size >= 1_000) this.#entryTails.clear();
      tail = entryTail(this.config.topic, this.config.channelName, nsqdAddress);
      this.#entryTails.set(nsqdAddress, tail);
    }
    return tail;
  }

  #envelopeCache = new Map<number, number>();

  #envelopeBytes(batchIdLength: number): number {
    const cached = this.#envelopeCache.get(batchIdLength);
    if (cached !== undefined) return cached;
    const bytes = Buffer.byteLength(
      JSON.stringify({
        version: CONTRACT_VERSION,
        source: 'nsq-lambda',
        batchId: 'x'.repeat(batchIdLength),
        subscription: this.name,
        messages: [],
      }),
    );
    this.#envelopeCache.set(batchIdLength, bytes);
    return bytes;
  }

  /** The batch event's JSON, written into one buffer of its exact size. */
  #payload(batchId: string, messages: readonly TrackedMessage[]): Uint8Array {
    const head = JSON.stringify({
      version: CONTRACT_VERSION,
      source: 'nsq-lambda',
      batchId,
      subscription: this.name,
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

  /**
   * The batch forming at the head of the queue, extended as messages arrive so that a delivery costs
   * O(1) while a batch fills (a full scan per delivery would be O(n²) in the batch size). Dropped
   * whenever the queue loses a message or an id stops being busy; rebuilt from the queue's start then.
   */
  #forming: FormingBatch | undefined;

  #formingBatch(): FormingBatch {
    let f = this.#forming;
    if (!f) {
      // Sub-batch ids are longer than a UUID (bisect suffixes); keep room for them.
      f = {
        batch: [],
        ids: new Set(),
        bytes: this.#envelopeBytes(BATCH_ID_RESERVE_CHARS),
        full: false,
        oldestAtMs: Number.POSITIVE_INFINITY,
        scanned: 0,
      };
      this.#forming = f;
    }
    const queue = this.#queue;
    while (!f.full && f.scanned < queue.length) {
      const m = queue[f.scanned++] as TrackedMessage;
      if (m.answered || f.ids.has(m.id) || this.#busyIds.has(m.id)) continue;
      const add = m.encodedBytes + (f.batch.length > 0 ? 1 : 0);
      if (f.batch.length > 0 && f.bytes + add > this.config.maxBytes) {
        f.full = true;
        break;
      }
      f.batch.push(m);
      f.ids.add(m.id);
      f.bytes += add;
      if (m.receivedAtMs < f.oldestAtMs) f.oldestAtMs = m.receivedAtMs;
      if (f.batch.length >= this.config.maxMessages || f.bytes >= this.config.maxBytes) f.full = true;
    }
    return f;
  }

  /** Takes the forming batch's messages off the queue (one pass; usually they are its head). */
  #takeForming(batch: readonly TrackedMessage[]): void {
    this.#forming = undefined;
    const queue = this.#queue;
    let prefix = 0;
    while (prefix < batch.length && queue[prefix] === batch[prefix]) prefix++;
    if (prefix === batch.length) {
      queue.splice(0, prefix);
    } else {
      const taken = new Set(batch);
      let kept = 0;
      for (const m of queue) {
        if (!taken.has(m)) queue[kept++] = m;
      }
      queue.length = kept;
    }
    for (const m of batch) this.#unqueued(m);
  }

  #scheduleFlush(atMs: number): void {
    if (this.#flushTimer && this.#flushAtMs <= atMs) return;
    this.#clearFlush();
    this.#flushAtMs = atMs;
    this.#flushTimer = this.deps.clock.setTimeout(
      () => {
        this.#flushTimer = undefined;
        this.#flushAtMs = Number.POSITIVE_INFINITY;
        this.pump();
      },
      Math.max(0, atMs - this.deps.clock.now()),
    );
  }

  #clearFlush(): void {
    if (this.#flushTimer) this.deps.clock.clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    this.#flushAtMs = Number.POSITIVE_INFINITY;
  }

  /** Holds one limiter slot for the whole batch, including bisect halves and throttle retries. */
  async #runBatch(batch: TrackedMessage[]): Promise<void> {
    for (const m of batch) {
      m.markInvoking();
      this.#busyIds.set(m.id, (this.#busyIds.get(m.id) ?? 0) + 1);
    }
    this.#invokingCount += batch.length;
    this.#inBatches.add(batch);
    try {
      await this.#execute(batch, randomUUID(), undefined);
    } finally {
      this.#inBatches.delete(batch);
      this.#invokingCount -= batch.length;
      for (const m of batch) {
        const n = (this.#busyIds.get(m.id) ?? 1) - 1;
        if (n <= 0) {
          this.#busyIds.delete(m.id);
          // A queued twin skipped by the forming batch can join a batch now.
          if (this.#queuedIds.has(m.id)) this.#forming = undefined;
        } else this.#busyIds.set(m.id, n);
        // Whatever happened, no message leaves a batch unanswered.
        if (!m.answered) this.#requeue(m, this.#policyDelay(m), 'internal error: left unanswered');
      }
      this.limiter.release();
      this.pump();
    }
  }

  async #execute(batch: TrackedMessage[], batchId: string, bisect: BisectBudget | undefined): Promise<void> {
    let retries = 0;
    let notExecuted = 0;
    for (;;) {
      const live = batch.filter((m) => !m.answered);
      if (live.length === 0) return;
      if (bisect) {
        if (bisect.remaining <= 0) {
          const last = live[0]?.lastError;
          return this.#failMessages(
            live,
            `bisect budget spent${last ? `; last error ${last.type}: ${last.message}` : ''}`.slice(0, 512),
          );
        }
        bisect.remaining--;
      }
      const payload = this.#payload(batchId, live);
      this.deps.events.emit('batch_started', {
        subscription: this.name,
        batchId,
        size: live.length,
        bytes: payload.byteLength,
      });
      const epoch = this.limiter.epoch;
      const result = await this.#invoke(payload);
      this.deps.events.emit('batch_invoked', { subscription: this.name, batchId, size: live.length, result });
      switch (result.kind) {
        case 'ok': {
          this.#increase();
          const parsed = parseBatchResult(
            result.payload,
            live.map((m) => m.id),
          );
          if (!parsed.ok) {
            this.deps.events.emit('response_malformed', {
              subscription: this.name,
              batchId,
              problem: parsed.problem,
            });
            return this.#wholeBatchFailed(live, batchId, bisect, {
              type: 'MalformedResponse',
              message: parsed.problem,
              ...(result.requestId !== undefined && { requestId: result.requestId }),
            });
          }
          return this.#applyOutcomes(live, parsed.outcomes, result.requestId);
        }
        case 'functionError':
          this.#increase();
          return this.#wholeBatchFailed(live, batchId, bisect, {
            type: result.errorType,
            message: result.errorMessage,
            ...(result.requestId !== undefined && { requestId: result.requestId }),
          });
        case 'ambiguous': {
          const error = { type: result.errorType, message: result.message };
          // Only a hang (the invocation deadline passed) can point at a message; a reset socket, a 5xx or
          // an abort says nothing about the batch's content, so bisecting would only multiply Invokes
          // during an outage. Those requeue every message with the policy delay.
          if (result.errorType === 'Timeout') return this.#wholeBatchFailed(live, batchId, bisect, error);
          for (const m of live) m.lastError = error;
          return this.#failMessages(live, `${error.type}: ${error.message}`.slice(0, 512));
        }
        case 'tooLarge': {
          if (live.length === 1) {
            return this.#deadLetter(
              live.map((message) => ({
                message,
                kind: 'undeliverable' as const,
                reason: `Lambda refused the Invoke as too large: ${result.message}`,
              })),
            );
          }
          const half = Math.ceil(live.length / 2);
          await this.#execute(live.slice(0, half), `${batchId}.a`, bisect);
          await this.#execute(live.slice(half), `${batchId}.b`, bisect);
          return;
        }
        case 'throttled': {
          const limit = this.limiter.decrease(epoch);
          this.deps.events.emit('concurrency_changed', {
            subscription: this.name,
            limit,
            max: this.limiter.max,
          });
          const delay = retryDelayMs(this.#retryBackoff, retries++, result.retryAfterMs, this.#random);
          this.deps.events.emit('throttled', {
            subscription: this.name,
            batchId,
            reason: result.reason,
            retryInMs: delay,
            concurrencyLimit: limit,
          });
          for (const m of live) m.lastError = { type: 'TooManyRequestsException', message: result.reason };
          if (!(await this.#waitToRetry(live, delay, true))) return;
          // Respect the lowered limit: give the slot back and queue for one again.
          this.limiter.release();
          await this.limiter.acquire();
          if (this.#draining) {
            this.#requeueAll(live, 0, 'draining');
            return;
          }
          continue;
        }
        case 'notExecuted': {
          for (const m of live) m.lastError = { type: result.errorType, message: result.message };
          if (notExecuted++ < this.#notExecutedRetries) {
            const delay = retryDelayMs(this.#retryBackoff, notExecuted - 1, undefined, this.#random);
            if (!(await this.#waitToRetry(live, delay))) return;
            continue;
          }
          return this.#failMessages(live, `not executed: ${result.errorType}`);
        }
      }
    }
  }

  async #invoke(payload: Uint8Array): Promise<InvokeResult> {
    try {
      return await this.deps.invoker.invoke({
        functionName: this.config.functionName,
        payload,
        signal: this.#invokeAbort.signal,
        timeoutMs: this.config.invocationTimeoutMs,
      });
    } catch (error) {
      // The port says invoke never throws; if it does, the function may have run.
      return {
        kind: 'ambiguous',
        errorType: 'InvokerError',
        message: (error as Error).message,
        durationMs: 0,
      };
    }
  }

  /**
   * Waits `delayMs` before re-invoking the same messages (they stay TOUCHed). Returns false (after
   * requeueing them) when draining or when nsqd's --max-msg-timeout would pass before the retry ends.
   * After a throttle (the function did not run) that requeue spends no attempt: it is REQueued with the
   * retry delay and its next delivery is discounted, never dead-lettered for it.
   */
  async #waitToRetry(messages: TrackedMessage[], delayMs: number, throttled = false): Promise<boolean> {
    if (this.#draining) {
      this.#requeueAll(messages, 0, 'draining');
      return false;
    }
    if (!this.#canHold(messages, delayMs + this.config.invocationTimeoutMs)) {
      if (!throttled) {
        await this.#failMessages(messages, 'retry would outlast nsqd --max-msg-timeout');
        return false;
      }
      for (const m of messages) {
        if (m.answered) continue;
        this.#throttleRequeues.record(
          ThrottleRequeues.key(m.handle.nsqdAddress, m.id),
          m.handle.attempts,
          m.freeDeliveries,
        );
        this.#requeue(
          m,
          delayMs,
          'throttled (429): the retry would outlast nsqd --max-msg-timeout; no attempt spent',
        );
      }
      return false;
    }
    await this.#sleep(delayMs);
    if (this.#draining) {
      this.#requeueAll(messages, 0, 'draining');
      return false;
    }
    return true;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const signal = this.#drainAbort.signal;
      if (signal.aborted) return resolve();
      const timer = this.deps.clock.setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        this.deps.clock.clearTimeout(timer);
        resolve();
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** True when every message can stay in flight `needMs` longer (TOUCH cannot pass --max-msg-timeout). */
  #canHold(messages: readonly TrackedMessage[], needMs: number): boolean {
    return messages.every((m) => {
      const hard = m.handle.hardRemainingMs();
      return hard !== null && hard > needMs;
    });
  }

  #increase(): void {
    const before = this.limiter.limit;
    const after = this.limiter.increase();
    if (after !== before)
      this.deps.events.emit('concurrency_changed', {
        subscription: this.name,
        limit: after,
        max: this.limiter.max,
      });
  }

  /**
   * The whole batch failed. Bisect when it holds more than one message and either one of them was
   * delivered before (a repeated failure) or we are already bisecting; otherwise fail every message.
   * A bisect has a budget of 4·⌈log₂ n⌉ invocations for a batch of n: enough to isolate one or two
   * poison messages, while a systemic failure (every half fails) stops there and requeues the rest.
   */
  async #wholeBatchFailed(
    batch: TrackedMessage[],
    batchId: string,
    bisect: BisectBudget | undefined,
    error: LastError,
  ): Promise<void> {
    for (const m of batch) m.lastError = error;
    const repeated = bisect !== undefined || batch.some((m) => m.attempts >= 2);
    if (
      batch.length > 1 &&
      repeated &&
      !this.#draining &&
      this.#canHold(batch, 2 * this.config.invocationTimeoutMs)
    ) {
      const budget = bisect ?? { remaining: 4 * Math.ceil(Math.log2(batch.length)) };
      const half = Math.ceil(batch.length / 2);
      await this.#execute(batch.slice(0, half), `${batchId}.0`, budget);
      await this.#execute(batch.slice(half), `${batchId}.1`, budget);
      return;
    }
    await this.#failMessages(batch, `${error.type}: ${error.message}`.slice(0, 512));
  }

  /** Requeue with the policy delay, or dead-letter the ones that used their last attempt. */
  async #failMessages(messages: readonly TrackedMessage[], reason: string): Promise<void> {
    const dead: DeadLetterRequest[] = [];
    for (const m of messages) {
      if (m.answered) continue;
      if (m.attempts >= this.config.maxAttempts)
        dead.push({
          message: m,
          kind: 'maxAttempts',
          reason: `attempt ${m.attempts} of ${this.config.maxAttempts} failed: ${reason}`,
        });
      else this.#requeue(m, this.#draining ? 0 : this.#policyDelay(m), reason);
    }
    if (dead.length > 0) await this.#deadLetter(dead);
  }

  async #applyOutcomes(
    batch: readonly TrackedMessage[],
    outcomes: ReadonlyMap<string, ItemOutcome>,
    requestId: string | undefined,
  ): Promise<void> {
    const dead: DeadLetterRequest[] = [];
    for (const m of batch) {
      const outcome = outcomes.get(m.id) ?? { kind: 'finish' };
      if (outcome.kind === 'finish') {
        this.#finish(m);
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
        if (m.attempts >= this.config.maxAttempts)
          dead.push({
            message: m,
            kind: 'maxAttempts',
            reason: `attempt ${m.attempts} of ${this.config.maxAttempts} failed: ${reason}`,
          });
        else this.#requeue(m, outcome.delayMs ?? this.#policyDelay(m), reason);
      }
    }
    if (dead.length > 0) await this.#deadLetter(dead);
  }

  #policyDelay(m: TrackedMessage): number {
    return requeueDelayMs(this.config.requeue, m.attempts, this.deps.maxReqTimeoutMs, this.#random);
  }

  /**
   * nsqd timed out `m` and redelivered it on the same connection while it was still invoking: the answer
   * just sent for `m` (same id, same connection) applied to that redelivery, so it is answered too.
   */
  #unqueued(m: TrackedMessage): void {
    const n = this.#queuedIds.get(m.id) ?? 0;
    if (n <= 1) this.#queuedIds.delete(m.id);
    else this.#queuedIds.set(m.id, n - 1);
  }

  /** Empties the queue and returns what it held. */
  #takeQueue(): TrackedMessage[] {
    this.#queuedIds.clear();
    this.#forming = undefined;
    return this.#queue.splice(0);
  }

  #absorbRedeliveries(m: TrackedMessage): void {
    const answer = m.answer;
    // The common case: no redelivery of this id waits in the queue.
    if (!answer || !this.#queuedIds.has(m.id)) return;
    for (let i = this.#queue.length - 1; i >= 0; i--) {
      const q = this.#queue[i];
      if (!q || q === m || q.id !== m.id || q.handle.connectionId !== m.handle.connectionId) continue;
      this.#queue.splice(i, 1);
      this.#forming = undefined;
      this.#unqueued(q);
      if (!q.absorb(answer)) continue;
      this.#release(q);
      this.deps.events.emit('message_redelivery_absorbed', {
        subscription: this.name,
        id: q.id,
        attempts: q.attempts,
        answer: answer.kind,
      });
    }
  }

  /** `m` was just answered (FIN or REQ sent): its queued twins share the answer, and it is settled. */
  #answered(m: TrackedMessage): void {
    this.#absorbRedeliveries(m);
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

  #finish(m: TrackedMessage): void {
    if (!m.finish()) return;
    if (m.freeDeliveries > 0) this.#throttleRequeues.forget(ThrottleRequeues.key(m.handle.nsqdAddress, m.id));
    this.#answered(m);
    this.deps.events.emit('message_finished', {
      subscription: this.name,
      id: m.id,
      attempts: m.attempts,
      latencyMs: this.deps.clock.now() - m.receivedAtMs,
    });
  }

  #requeue(m: TrackedMessage, delayMs: number, reason: string): void {
    const delay = Math.min(Math.max(0, Math.floor(delayMs)), this.deps.maxReqTimeoutMs);
    if (!m.requeue(delay, reason)) return;
    this.#answered(m);
    this.deps.events.emit('message_requeued', {
      subscription: this.name,
      id: m.id,
      attempts: m.attempts,
      delayMs: delay,
      reason,
    });
  }

  #requeueAll(messages: readonly TrackedMessage[], delayMs: number, reason: string): void {
    for (const m of messages) this.#requeue(m, delayMs, reason);
  }

  /** Writes the records first; FIN only once the store confirmed. A failed write REQueues. */
  async #deadLetter(requests: readonly DeadLetterRequest[]): Promise<void> {
    const live = requests.filter((r) => !r.message.answered);
    if (live.length === 0) return;
    const now = this.deps.clock.now();
    const records: DeadLetterRecord[] = live.map(({ message: m, kind, reason }) => ({
      version: 1,
      id: m.id,
      subscription: this.name,
      topic: this.config.topic,
      channel: this.config.channelName,
      functionName: this.config.functionName,
      body: m.handle.body.toString('base64'),
      attempts: m.attempts,
      reasonKind: kind,
      reason: reason.slice(0, 4096),
      ...(m.lastError && { lastError: m.lastError }),
      nsqdAddress: m.handle.nsqdAddress,
      publishedAtMs: m.handle.timestampMs,
      receivedAtMs: m.receivedAtMs,
      deadLetteredAtMs: now,
    }));
    try {
      await this.deps.deadLetters.write(records);
    } catch (error) {
      this.deps.events.emit('dead_letter_failed', {
        subscription: this.name,
        ids: live.map((r) => r.message.id),
        error: error as Error,
      });
      for (const { message } of live)
        this.#requeue(message, this.#draining ? 0 : this.#policyDelay(message), 'dead-letter write failed');
      return;
    }
    for (const { message, kind } of live) {
      if (!message.finish()) continue;
      if (message.freeDeliveries > 0)
        this.#throttleRequeues.forget(ThrottleRequeues.key(message.handle.nsqdAddress, message.id));
      this.#answered(message);
      this.deps.events.emit('message_dead_lettered', {
        subscription: this.name,
        id: message.id,
        attempts: message.attempts,
        reason: kind,
        destination: this.deps.deadLetters.describe,
      });
    }
  }
}

/** Invocations a bisect may still spend (shared by every sub-batch of one batch). */
interface BisectBudget {
  remaining: number;
}

interface FormingBatch {
  readonly batch: TrackedMessage[];
  readonly ids: Set<string>;
  /** Encoded size of the batch event so far. */
  bytes: number;
  full: boolean;
  oldestAtMs: number;
  /** Queue index up to which messages were considered. */
  scanned: number;
}

interface DeadLetterRequest {
  readonly message: TrackedMessage;
  readonly kind: DeadLetterKind;
  readonly reason: string;
}
