/**
 * One timer for every in-flight message of the bridge (bullmq LockManager style): each sweep TOUCHes
 * the unanswered messages whose last TOUCH is `touchIntervalMs` old, whatever they are doing (queued,
 * in a forming batch, invoking, waiting out a throttle). A message close to nsqd's --max-msg-timeout is
 * reported once (`message_near_max_timeout`): TOUCH cannot keep it past that cap. Answered messages are
 * dropped from the set and never touched again.
 */

import type { TrackedMessage } from './delivery.ts';
import type { BridgeEventEmitter } from './events.ts';
import type { Clock } from './ports.ts';

export interface TouchManagerOptions {
  readonly clock: Clock;
  readonly events: BridgeEventEmitter;
  /** How often the set is swept. Keep it well below the smallest touch interval. */
  readonly sweepIntervalMs: number;
}

export class TouchManager {
  /** Every tracked message and its touch interval. */
  readonly #entries = new Map<TrackedMessage, number>();
  #timer: NodeJS.Timeout | undefined;
  #running = false;

  constructor(private readonly options: TouchManagerOptions) {}

  get size(): number {
    return this.#entries.size;
  }

  track(message: TrackedMessage, touchIntervalMs: number): void {
    if (message.answered) return;
    this.#entries.set(message, touchIntervalMs);
  }

  untrack(message: TrackedMessage): void {
    this.#entries.delete(message);
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule();
  }

  stop(): void {
    this.#running = false;
    if (this.#timer) this.options.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** One sweep; public for tests with a fake clock. */
  sweep(): void {
    const now = this.options.clock.now();
    for (const [message, touchIntervalMs] of this.#entries) {
      if (message.answered) {
        this.#entries.delete(message);
        continue;
      }
      const hard = message.handle.hardRemainingMs();
      if (hard !== null && hard <= 2 * touchIntervalMs && !message.nearMaxWarned) {
        message.nearMaxWarned = true;
        this.options.events.emit('message_near_max_timeout', {
          subscription: message.subscription,
          id: message.id,
          remainingMs: hard,
        });
      }
      if (now - message.lastTouchedAtMs < touchIntervalMs) continue;
      // Past the hard cap TOUCH is useless (nsqd caps it); the message times out and is redelivered.
      if (hard === null) continue;
      try {
        if (message.touch(now))
          this.options.events.emit('message_touched', { subscription: message.subscription, id: message.id });
      } catch (error) {
        this.options.events.emit('error', { subscription: message.subscription, error: error as Error });
      }
    }
  }

  #schedule(): void {
    if (!this.#running) return;
    this.#timer = this.options.clock.setTimeout(() => {
      this.sweep();
      this.#schedule();
    }, this.options.sweepIntervalMs);
    this.#timer.unref?.();
  }
}
