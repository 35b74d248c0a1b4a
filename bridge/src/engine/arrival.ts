/**
 * The arrival of one delivery: it becomes a TrackedMessage (its throttle requeues discounted), is in flight
 * and TOUCHed until answered, is planned (claim check) and admitted (admission.ts). What admission keeps
 * from any batch is answered here (arrival-answers.ts); the rest goes on to `queue` (the rate pacer or
 * the batch queue).
 */
import type { BridgeSubscription } from '#shared/config/bridge-config';
import { compileFilters, type MessageFilter } from '#shared/filter/message-filter';
import { TrackedMessage } from '../delivery.ts';
import type { BridgeEventEmitter } from '../events.ts';
import type { Clock, DeliveryHandle } from '../ports.ts';
import { ThrottleRequeues } from '../throttle-requeues.ts';
import { admit } from './admission.ts';
import type { Answerer } from './answerer.ts';
import { answerOnArrival } from './arrival-answers.ts';
import type { Drain } from './drain.ts';
import type { PayloadBuilder } from './payload-builder.ts';

export interface ArrivalDeps {
  readonly config: BridgeSubscription;
  readonly events: BridgeEventEmitter;
  readonly clock: Clock;
  readonly payloads: PayloadBuilder;
  readonly answerer: Answerer;
  readonly throttleRequeues: ThrottleRequeues;
  readonly drain: Drain;
  readonly toggleStopped: () => boolean;
  /** A message admitted to a batch: on to the rate pacer or the batch queue. */
  readonly queue: (m: TrackedMessage) => void;
  readonly error: (error: Error) => void;
}

export class Arrival {
  /** Filters compiled once (the config loader checked them). */
  readonly #filter: MessageFilter;

  constructor(private readonly deps: ArrivalDeps) {
    this.#filter = compileFilters(deps.config.filters, `subscriptions.${deps.config.name}.filters`);
  }

  /** Entry point for every delivery. Never throws: a failure here REQueues the message. */
  receive(handle: DeliveryHandle): void {
    const { config, events, payloads, answerer, drain } = this.deps;
    let message: TrackedMessage | undefined;
    try {
      message = new TrackedMessage(
        handle,
        config.name,
        config.topic,
        config.channelName,
        this.deps.clock.now(),
        payloads.entryTail(handle.nsqdAddress),
        // A first delivery has no throttle requeue before it: no ledger key is built for it.
        handle.attempts > 1
          ? this.deps.throttleRequeues.discount(
              ThrottleRequeues.key(handle.nsqdAddress, handle.id),
              handle.attempts,
            )
          : 0,
      );
      answerer.received(message);
      events.emit('message_received', {
        subscription: config.name,
        id: handle.id,
        attempts: handle.attempts,
        bytes: handle.body.length,
      });
      // Claim checks: a body too large for an event (or over the threshold) will travel as a pointer.
      payloads.plan(message);
      const admission = admit({
        draining: drain.draining,
        toggleStopped: this.deps.toggleStopped(),
        toggleRequeueDelayMs: config.toggle.requeueDelayMs,
        attempts: message.attempts,
        maxAttempts: config.maxAttempts,
        oversize: payloads.oversize(message),
        matchesFilters: this.#filter.matches(handle.body),
        onFilteredOut: config.onFilteredOut,
        publishedAtMs: handle.timestampMs,
        nowMs: message.receivedAtMs,
        maxRecordAgeMs: config.maxRecordAgeMs,
        onExpired: config.onExpired,
      });
      if (admission.kind !== 'queue') {
        const write = answerOnArrival(message, admission, answerer, events);
        if (write) drain.track(write);
      } else this.deps.queue(message);
    } catch (error) {
      this.deps.error(error as Error);
      try {
        if (message) answerer.requeue(message, 0, 'internal error');
        else handle.requeue(0);
      } catch {
        // The connection is gone: nsqd redelivers after msg_timeout.
      }
    }
  }
}
