/**
 * Scale to zero, the bridge's side: is the bridge idle? Idle is a state that holds across a quiet
 * period, never one observation: every check for `afterMs` must be quiet, and a check is quiet when
 *
 * - the bridge holds nothing (no message queued, invoking or unanswered) and received nothing since the
 *   previous check (a message that came and went between two checks is activity), and
 * - every subscription's backlog was read from nsqd (no read failed) with channel depth 0 and nothing in
 *   flight to ANY consumer of the channel (so another bridge task still working keeps this one up too).
 *
 * Deferred (REQ'd with a delay) messages do not keep the bridge up: when one comes due it is channel
 * depth again, and the waker (docs/deploy.md, "Scale to zero") starts a task for it.
 * An unknown backlog (a failed read, a subscription whose backlog is not monitored) is never quiet.
 */

export interface IdleSubscriptionReading {
  readonly subscription: string;
  /** Channel depth (memory + disk), summed over nsqd. */
  readonly depth: number;
  /** In flight to any consumer of the channel, summed over nsqd. */
  readonly inFlight: number;
  /** False when any nsqd read failed or none answered. */
  readonly complete: boolean;
}

export interface IdleSample {
  readonly atMs: number;
  /** Messages the bridge holds: queued, invoking or unanswered. */
  readonly held: number;
  /** Messages received since the bridge started (a counter). */
  readonly received: number;
  /** One reading per subscription; a subscription without one is unknown (not quiet). */
  readonly backlog: readonly IdleSubscriptionReading[];
}

/** Why a sample is not quiet, or undefined when it is. A pure function of the sample and the previous one. */
export function busyReason(
  sample: IdleSample,
  previous: IdleSample | undefined,
  subscriptions: readonly string[],
): string | undefined {
  if (sample.held > 0) return `${sample.held} message(s) held`;
  if (previous !== undefined && sample.received !== previous.received)
    return `${sample.received - previous.received} message(s) received since the last check`;
  for (const name of subscriptions) {
    const r = sample.backlog.find((b) => b.subscription === name);
    if (r === undefined) return `${name}: backlog unknown`;
    if (!r.complete) return `${name}: backlog read incomplete`;
    if (r.depth > 0) return `${name}: depth ${r.depth}`;
    if (r.inFlight > 0) return `${name}: ${r.inFlight} in flight on nsqd`;
  }
  return undefined;
}

export class IdleWatch {
  #quietSinceMs: number | undefined;
  #previous: IdleSample | undefined;
  #lastReason: string | undefined = 'no check yet';

  constructor(
    readonly afterMs: number,
    readonly subscriptions: readonly string[],
  ) {
    if (!Number.isInteger(afterMs) || afterMs < 1)
      throw new RangeError(`afterMs must be a whole number ≥ 1, got ${afterMs}`);
  }

  /** Records a check; true once every check for at least `afterMs` was quiet. */
  observe(sample: IdleSample): boolean {
    const reason = busyReason(sample, this.#previous, this.subscriptions);
    this.#previous = sample;
    this.#lastReason = reason;
    if (reason !== undefined) {
      this.#quietSinceMs = undefined;
      return false;
    }
    this.#quietSinceMs ??= sample.atMs;
    return sample.atMs - this.#quietSinceMs >= this.afterMs;
  }

  /** For status: quiet since when (ms since the epoch), or why not quiet at the last check. */
  get state(): { readonly quietSinceMs: number | undefined; readonly busy: string | undefined } {
    return { quietSinceMs: this.#quietSinceMs, busy: this.#lastReason };
  }
}
