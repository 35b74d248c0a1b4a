/**
 * Runs one batch to its answers: builds the event, invokes, and follows the step `decideBatchStep`
 * (batch-decision.ts) gives: answer, retry after a delay (throttled, not executed), bisect, split, or
 * give up. Holds one AIMD slot for the whole batch, bisect halves and retries included.
 */
import { randomUUID } from 'node:crypto';
import type { BridgeSubscription } from '#shared/config/bridge-config';
import type { AimdLimiter } from '../aimd-limiter.ts';
import { type Random, type RetryBackoff, retryDelayMs } from '../backoff.ts';
import type { TrackedMessage } from '../delivery.ts';
import type { BridgeEventEmitter } from '../events.ts';
import type { BatchInvoker, Clock, InvokeResult } from '../ports.ts';
import type { Answerer } from './answerer.ts';
import { type BatchStep, batchOutcome, decideBatchStep, type KeptAttemptRequeue } from './batch-decision.ts';
import type { DeadLetterRequest } from './dead-letter-records.ts';
import type { Drain } from './drain.ts';
import type { PayloadBuilder } from './payload-builder.ts';
import { recordAgeDecision } from './record-age.ts';

export interface BatchExecutorDeps {
  readonly config: BridgeSubscription;
  /** The function's adapter (Lambda today; any BatchInvoker, e.g. an HTTP one, per subscription). */
  readonly invoker: BatchInvoker;
  readonly payloads: PayloadBuilder;
  readonly limiter: AimdLimiter;
  readonly events: BridgeEventEmitter;
  readonly answerer: Answerer;
  readonly drain: Drain;
  readonly random: Random;
  readonly retryBackoff: RetryBackoff;
  readonly notExecutedRetries: number;
  /** For maxRecordAgeMs before an in-bridge retry. */
  readonly clock: Clock;
}

/** Invocations a bisect may still spend (shared by every sub-batch of one batch). */
interface BisectBudget {
  remaining: number;
}

export class BatchExecutor {
  /** Batches running and not released yet. */
  readonly #running = new Set<readonly TrackedMessage[]>();
  #invokingCount = 0;

  constructor(private readonly deps: BatchExecutorDeps) {}

  /** Messages in running batches. */
  get invokingCount(): number {
    return this.#invokingCount;
  }

  /** A connection closed: its messages in running batches can no longer be answered (nor TOUCHed). */
  orphanConnection(connectionId: string): void {
    for (const batch of this.#running)
      for (const m of batch) if (m.handle.connectionId === connectionId) m.orphan();
  }

  /** Runs `batch` (its limiter slot already acquired) until every message is answered; releases the slot. */
  async run(batch: TrackedMessage[]): Promise<void> {
    for (const m of batch) m.markInvoking();
    this.#invokingCount += batch.length;
    this.#running.add(batch);
    try {
      await this.#execute(batch, randomUUID(), undefined);
    } finally {
      this.#running.delete(batch);
      this.#invokingCount -= batch.length;
      const { answerer } = this.deps;
      // Whatever happened, no message leaves a batch unanswered.
      for (const m of batch)
        if (!m.answered) answerer.requeue(m, answerer.policyDelay(m), 'internal error: left unanswered');
      this.deps.limiter.release();
    }
  }

  async #execute(batch: TrackedMessage[], batchId: string, bisect: BisectBudget | undefined): Promise<void> {
    const { events, limiter, answerer, config } = this.deps;
    const name = config.name;
    let throttleRetries = 0;
    let notExecutedRetries = 0;
    for (;;) {
      const live = batch.filter((m) => !m.answered);
      if (live.length === 0) return;
      if (bisect) {
        if (bisect.remaining <= 0) {
          const last = live[0]?.lastError;
          const detail = last ? `; last error ${last.type}: ${last.message}` : '';
          return answerer.fail(live, `bisect budget spent${detail}`.slice(0, 512), 'bisect budget spent');
        }
        bisect.remaining--;
      }
      if (!(await this.#storeClaimChecks(live))) continue;
      const payload = this.deps.payloads.build(batchId, live);
      events.emit('batch_started', {
        subscription: name,
        batchId,
        size: live.length,
        bytes: payload.byteLength,
      });
      const epoch = limiter.epoch;
      const result = await this.#invoke(payload);
      events.emit('batch_invoked', { subscription: name, batchId, size: live.length, result });
      if (result.kind === 'ok' || result.kind === 'functionError') this.#increase();
      const outcome = batchOutcome(
        result,
        live.map((m) => m.id),
      );
      if (outcome.kind === 'malformed')
        events.emit('response_malformed', { subscription: name, batchId, problem: outcome.problem });
      const step: BatchStep = decideBatchStep(outcome, {
        size: live.length,
        bisecting: bisect !== undefined,
        redelivered: live.some((m) => m.attempts >= 2),
        draining: this.deps.drain.draining,
        canHoldBisect: outcome.kind !== 'answered' && canHold(live, 2 * config.invocationTimeoutMs),
        throttleRetries,
        notExecutedRetries,
        maxNotExecutedRetries: this.deps.notExecutedRetries,
      });
      switch (step.kind) {
        case 'answer':
          return answerer.applyOutcomes(live, step.outcomes, step.requestId);
        case 'fail':
          for (const m of live) m.lastError = step.error;
          return answerer.fail(live, step.reason, step.cause);
        case 'giveUp':
          return answerer.deadLetter(
            live.map((message) => ({ message, kind: 'undeliverable', reason: step.reason })),
          );
        case 'bisect': {
          for (const m of live) m.lastError = step.error;
          // A budget of 4·⌈log₂ n⌉ invocations for a batch of n: enough to isolate one or two poison
          // messages, while a systemic failure (every half fails) stops there and requeues the rest.
          const budget = bisect ?? { remaining: 4 * Math.ceil(Math.log2(live.length)) };
          const half = Math.ceil(live.length / 2);
          await this.#execute(live.slice(0, half), `${batchId}.0`, budget);
          await this.#execute(live.slice(half), `${batchId}.1`, budget);
          return;
        }
        case 'split': {
          const half = Math.ceil(live.length / 2);
          await this.#execute(live.slice(0, half), `${batchId}.a`, bisect);
          await this.#execute(live.slice(half), `${batchId}.b`, bisect);
          return;
        }
        case 'retry': {
          const { retryBackoff, random } = this.deps;
          let limit = 0;
          if (step.throttled) {
            limit = limiter.decrease(epoch);
            events.emit('concurrency_changed', { subscription: name, limit, max: limiter.max });
          }
          const delay = retryDelayMs(retryBackoff, step.backoffAttempt, step.retryAfterMs, random);
          if (step.throttled) {
            throttleRetries++;
            events.emit('throttled', {
              subscription: name,
              batchId,
              reason: step.error.message,
              retryInMs: delay,
              concurrencyLimit: limit,
            });
          } else notExecutedRetries++;
          for (const m of live) m.lastError = step.error;
          if (!(await this.#waitToRetry(live, delay, step.throttled ? step.requeue : undefined))) return;
          await this.#expireStale(live);
          if (!step.throttled) continue;
          // Respect the lowered limit: give the slot back and queue for one again.
          limiter.release();
          await limiter.acquire();
          if (this.deps.drain.draining) {
            answerer.requeueAll(live, 0, 'draining');
            return;
          }
          continue;
        }
      }
    }
  }

  /** Before an in-bridge retry invokes them again: the messages now past maxRecordAgeMs expire. */
  async #expireStale(messages: readonly TrackedMessage[]): Promise<void> {
    const { config, answerer } = this.deps;
    if (config.maxRecordAgeMs === undefined) return;
    const now = this.deps.clock.now();
    const dead: DeadLetterRequest[] = [];
    for (const m of messages) {
      if (m.answered) continue;
      const age = recordAgeDecision(config, m.handle.timestampMs, now);
      const request = age.action === 'keep' ? undefined : answerer.expired(m, age, 'retry');
      if (request) dead.push(request);
    }
    if (dead.length > 0) await answerer.deadLetter(dead);
  }

  /**
   * Stores the claim-checked bodies of `live` not stored yet (PayloadBuilder.prepare). The messages whose
   * body could not be stored are requeued with the policy delay, spending no attempt (the function never
   * saw them); returns false when any was, so the caller re-forms the live batch without them.
   */
  async #storeClaimChecks(live: readonly TrackedMessage[]): Promise<boolean> {
    const { payloads, answerer, events, config, drain } = this.deps;
    const { stored, failures } = await payloads.prepare(live, drain.invokeSignal);
    for (const m of stored)
      if (m.claimCheck)
        events.emit('claim_check_stored', {
          subscription: config.name,
          id: m.id,
          bytes: m.handle.body.length,
          key: m.claimCheck.key,
        });
    if (failures.length === 0) return true;
    for (const { messages, error } of failures) {
      events.emit('claim_check_failed', { subscription: config.name, ids: messages.map((m) => m.id), error });
      for (const m of messages) m.lastError = { type: 'ClaimCheckFailed', message: error.message };
      const delay = (m: TrackedMessage) => (drain.draining ? 0 : answerer.policyDelay(m));
      for (const m of messages)
        answerer.requeueUnspent(
          [m],
          delay(m),
          'claim check failed',
          `claim check failed: ${error.message}`.slice(0, 512),
        );
    }
    return false;
  }

  async #invoke(payload: Uint8Array): Promise<InvokeResult> {
    try {
      return await this.deps.invoker.invoke({
        functionName: this.deps.config.functionName,
        payload,
        signal: this.deps.drain.invokeSignal,
        timeoutMs: this.deps.config.invocationTimeoutMs,
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
   * answering them) when draining or when nsqd's --max-msg-timeout would pass before the retry ends.
   * After a throttle or a rejected signature (the function did not run, `kept` says which) it spends none.
   */
  async #waitToRetry(
    messages: TrackedMessage[],
    delayMs: number,
    kept?: KeptAttemptRequeue,
  ): Promise<boolean> {
    const { answerer, drain } = this.deps;
    if (drain.draining) {
      answerer.requeueAll(messages, 0, 'draining');
      return false;
    }
    if (!canHold(messages, delayMs + this.deps.config.invocationTimeoutMs)) {
      if (kept) answerer.requeueThrottled(messages, delayMs, kept);
      else
        await answerer.fail(
          messages,
          'retry would outlast nsqd --max-msg-timeout',
          'retry would outlast nsqd --max-msg-timeout',
        );
      return false;
    }
    await drain.sleep(delayMs);
    if (drain.draining) {
      answerer.requeueAll(messages, 0, 'draining');
      return false;
    }
    return true;
  }

  #increase(): void {
    const { limiter, events } = this.deps;
    const before = limiter.limit;
    const after = limiter.increase();
    if (after !== before)
      events.emit('concurrency_changed', {
        subscription: this.deps.config.name,
        limit: after,
        max: limiter.max,
      });
  }
}

/** True when every message can stay in flight `needMs` longer (TOUCH cannot pass --max-msg-timeout). */
function canHold(messages: readonly TrackedMessage[], needMs: number): boolean {
  return messages.every((m) => {
    const hard = m.handle.hardRemainingMs();
    return hard !== null && hard > needMs;
  });
}
