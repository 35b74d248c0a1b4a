/**
 * The engine for one subscription, transport-free: messages in (from a `MessageSource`), batches out
 * (to a `BatchInvoker`), one answer per message back. It only wires the pieces of this folder:
 *
 *   arrival.ts, admission.ts (on arrival: filters, record age, attempts, size) → rate-pacer.ts (with a rateLimit)
 *   → batch-queue.ts (window, count, bytes, flush timer) → batch-executor.ts
 *   (payload-builder.ts, the invoker port, batch-decision.ts) → answerer.ts (FIN, REQ, dead letter);
 *   drain.ts (the work, its deadline).
 *
 * See docs/bridge.md for the walk of one message and the outcome table.
 */
import type { BridgeSubscription } from '#shared/config/bridge-config';
import { AimdLimiter } from '../aimd-limiter.ts';
import type { Random, RetryBackoff } from '../backoff.ts';
import type { TrackedMessage } from '../delivery.ts';
import type { BridgeEventEmitter } from '../events.ts';
import type {
  BatchInvoker,
  ClaimCheckStore,
  Clock,
  DeadLetterStore,
  DeliveryHandle,
  MessageSource,
  ToggleReading,
} from '../ports.ts';
import { ThrottleRequeues } from '../throttle-requeues.ts';
import type { TouchManager } from '../touch-manager.ts';
import { Answerer } from './answerer.ts';
import { Arrival } from './arrival.ts';
import { BatchExecutor } from './batch-executor.ts';
import { BatchQueue } from './batch-queue.ts';
import { Drain } from './drain.ts';
import { IntakeGate } from './intake-gate.ts';
import { PayloadBuilder } from './payload-builder.ts';
import { RatePacer } from './rate-pacer.ts';

export interface SubscriptionRunnerDeps {
  /** The function's adapter for this subscription (Lambda; another BatchInvoker for another target). */
  readonly invoker: BatchInvoker;
  readonly deadLetters: DeadLetterStore;
  readonly events: BridgeEventEmitter;
  readonly clock: Clock;
  readonly touch: TouchManager;
  readonly source: MessageSource;
  /** Where claim-checked bodies go (config `claimCheck`). @default - none: too-large bodies are dead-lettered */
  readonly claimChecks?: { readonly store: ClaimCheckStore; readonly thresholdBytes?: number };
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
  /** The AIMD semaphore capping concurrent Invokes (cut to 70 % on 429; +1 after `limit` successes). */
  readonly limiter: AimdLimiter;
  readonly #payloads: PayloadBuilder;
  readonly #queue: BatchQueue;
  readonly #answerer: Answerer;
  readonly #executor: BatchExecutor;
  readonly #drain: Drain;
  /** Throttle requeues, discounted from nsqd's attempts when the message comes back. */
  readonly #throttleRequeues = new ThrottleRequeues();
  #toggleStopped = false;
  readonly #arrival: Arrival;
  /** With a rateLimit, admitted messages wait in the pacer for a token. */
  readonly #pacer: RatePacer<TrackedMessage> | undefined;
  readonly #intake: IntakeGate;

  constructor(
    readonly config: BridgeSubscription,
    private readonly deps: SubscriptionRunnerDeps,
  ) {
    const random = deps.random ?? Math.random;
    this.limiter = new AimdLimiter(config.maxConcurrentInvocations);
    this.#drain = new Drain(deps.clock, (error) => this.#error(error));
    this.#intake = new IntakeGate(deps.source, deps.events, config.name);
    this.#pacer = RatePacer.forSubscription(config, deps.clock, {
      admit: (m: TrackedMessage) => this.#enqueue(m),
      setIntakePaused: (paused) => this.#intake.set('rateLimit', paused),
    });
    this.#payloads = new PayloadBuilder({
      subscription: config.name,
      topic: config.topic,
      channel: config.channelName,
      maxBytes: config.maxBytes,
      ...(deps.claimChecks && { claimChecks: deps.claimChecks }),
    });
    this.#queue = new BatchQueue(
      {
        maxMessages: config.maxMessages,
        maxBytes: config.maxBytes,
        maxWaitMs: config.maxWaitMs,
        emptyEventBytes: this.#payloads.emptyEventBytes,
      },
      deps.clock,
      () => this.pump(),
    );
    this.#answerer = new Answerer({
      config,
      events: deps.events,
      clock: deps.clock,
      touch: deps.touch,
      deadLetters: deps.deadLetters,
      queue: this.#queue,
      throttleRequeues: this.#throttleRequeues,
      maxReqTimeoutMs: deps.maxReqTimeoutMs,
      random,
      draining: () => this.#drain.draining,
    });
    this.#executor = new BatchExecutor({
      config,
      invoker: deps.invoker,
      payloads: this.#payloads,
      limiter: this.limiter,
      events: deps.events,
      answerer: this.#answerer,
      drain: this.#drain,
      random,
      retryBackoff: deps.retryBackoff ?? { baseDelayMs: 200, maxDelayMs: 20_000 },
      notExecutedRetries: deps.notExecutedRetries ?? 2,
      clock: deps.clock,
    });
    this.#arrival = new Arrival({
      config,
      events: deps.events,
      clock: deps.clock,
      payloads: this.#payloads,
      answerer: this.#answerer,
      throttleRequeues: this.#throttleRequeues,
      drain: this.#drain,
      toggleStopped: () => this.#toggleStopped,
      queue: (m) => (this.#pacer ? this.#pacer.offer(m) : this.#enqueue(m)),
      error: (error) => this.#error(error),
    });
  }

  get name(): string {
    return this.config.name;
  }

  /** Messages answered so far (finished, requeued or dead-lettered: one per such event). */
  get answeredCount(): number {
    return this.#answerer.answeredCount;
  }

  get status(): SubscriptionStatus {
    return {
      name: this.name,
      connections: this.deps.source.connectedCount,
      paused: this.#toggleStopped || this.#drain.draining,
      queued: this.#queue.length + (this.#pacer?.held ?? 0),
      invoking: this.#executor.invokingCount,
      concurrencyLimit: this.limiter.limit,
      activeInvocations: this.limiter.active,
      inFlight: this.#answerer.inFlight,
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
    this.#executor.orphanConnection(connectionId);
    for (const m of this.#pacer?.take((m) => m.handle.connectionId === connectionId) ?? [])
      this.#answerer.dropped(m);
    for (const m of this.#queue.takeConnection(connectionId)) this.#answerer.dropped(m);
  }

  /** Entry point for every delivery (arrival.ts). Never throws: a failure there REQueues the message. */
  onMessage(handle: DeliveryHandle): void {
    this.#arrival.receive(handle);
  }

  #enqueue(m: TrackedMessage): void {
    this.#queue.push(m);
    this.pump();
  }
  /** Forms and dispatches as many batches as the limits and free slots allow. */
  pump(): void {
    if (this.#drain.draining || this.#toggleStopped) return;
    while (this.#queue.length > 0 && this.limiter.hasFreeSlot) {
      const next = this.#queue.next();
      if (next.kind === 'empty') break;
      if (next.kind === 'wait') {
        this.#queue.scheduleFlush(next.untilMs);
        return;
      }
      if (!this.limiter.tryAcquire()) break;
      this.#queue.take(next.batch);
      this.#drain.track(this.#runBatch(next.batch));
    }
  }

  /** Applies a toggle reading (policy 'requeue' only): stopped pauses consumption (RDY 0). */
  applyToggle(reading: ToggleReading): void {
    if (this.config.toggle.policy !== 'requeue' || this.#drain.draining) return;
    const stopped =
      reading === 'stopped' || (reading === 'unknown' && this.config.toggle.failMode === 'closed');
    if (stopped === this.#toggleStopped) return;
    this.#toggleStopped = stopped;
    if (stopped) {
      this.#intake.set('toggle', true);
      this.#queue.clearFlush();
      const delayMs = this.config.toggle.requeueDelayMs;
      this.#answerer.requeueAll(this.#pacer?.take() ?? [], delayMs, 'toggle stopped');
      this.#answerer.requeueAll(this.#queue.takeAll(), delayMs, 'toggle stopped');
    } else {
      this.#intake.set('toggle', false);
      this.pump();
    }
  }

  /**
   * Drain: RDY 0, requeue(0) what is queued, let invocations finish until `deadlineAtMs` (messages
   * keep being TOUCHed), then abort what is left (requeued), answer everything, flush, close.
   * Returns whether the deadline passed.
   */
  async drain(deadlineAtMs: number): Promise<boolean> {
    if (this.#drain.start()) {
      this.#queue.clearFlush();
      this.#intake.set('drain', true);
      this.#pacer?.close();
      this.#answerer.requeueAll(this.#pacer?.take() ?? [], 0, 'draining');
      this.#answerer.requeueAll(this.#queue.takeAll(), 0, 'draining');
    }
    let timedOut = await this.#drain.settle(deadlineAtMs);
    this.#answerer.requeueAll(this.#queue.takeAll(), 0, 'draining');
    timedOut = timedOut || this.#drain.pending > 0;
    await this.#drain.flushAnswers();
    await this.deps.source.close();
    return timedOut;
  }

  async #runBatch(batch: TrackedMessage[]): Promise<void> {
    try {
      await this.#executor.run(batch);
    } finally {
      this.#queue.release(batch);
      this.pump();
    }
  }

  #error(error: Error): void {
    this.deps.events.emit('error', { subscription: this.name, error });
  }
}
