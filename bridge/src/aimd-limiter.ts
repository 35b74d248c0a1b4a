/**
 * The bridge's own concurrency semaphore for one subscription, with an AIMD limit: cut to 70 % on a
 * throttle (never below 1), raised by one after `limit` successes in a row (additive increase, capped
 * at maxConcurrentInvocations). RDY is never the only cap.
 *
 * One decrease per congestion event (as TCP does once per window): when several Invokes that were all
 * started under the same limit come back 429 together, only the first one lowers it. Callers pass the
 * `epoch` they read when they started; a throttle from an older epoch is already accounted for.
 */
/** A throttle keeps 70 % of the limit (TCP CUBIC's factor): halving undershoots a reserved concurrency. */
const DECREASE_FACTOR = 0.7;

export class AimdLimiter {
  #limit: number;
  #active = 0;
  #credit = 0;
  #epoch = 0;
  readonly #waiters: Array<() => void> = [];

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be an integer ≥ 1 (got ${max})`);
    this.#limit = max;
  }

  get limit(): number {
    return this.#limit;
  }

  /** Changes with every decrease; read it when an Invoke starts and pass it to `decrease`. */
  get epoch(): number {
    return this.#epoch;
  }

  get active(): number {
    return this.#active;
  }

  get hasFreeSlot(): boolean {
    return this.#active < this.#limit;
  }

  /** Takes a slot now if one is free. */
  tryAcquire(): boolean {
    if (this.#active >= this.#limit) return false;
    this.#active++;
    return true;
  }

  /** Waits for a slot (FIFO). */
  acquire(): Promise<void> {
    if (this.tryAcquire()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  release(): void {
    this.#active = Math.max(0, this.#active - 1);
    this.#wake();
  }

  /**
   * A throttle: multiplicative decrease to 70 %, unless the throttled Invoke started before the last
   * decrease (`startedEpoch` older than `epoch`). Returns the limit.
   */
  decrease(startedEpoch: number = this.#epoch): number {
    if (startedEpoch < this.#epoch) return this.#limit;
    this.#limit = Math.max(1, Math.floor(this.#limit * DECREASE_FACTOR));
    this.#credit = 0;
    this.#epoch++;
    return this.#limit;
  }

  /** A success: additive increase by 1 per `limit` successes. Returns the new limit. */
  increase(): number {
    if (this.#limit >= this.max) return this.#limit;
    this.#credit++;
    if (this.#credit >= this.#limit) {
      this.#credit = 0;
      this.#limit++;
      this.#wake();
    }
    return this.#limit;
  }

  #wake(): void {
    while (this.#waiters.length > 0 && this.#active < this.#limit) {
      this.#active++;
      this.#waiters.shift()?.();
    }
  }
}
