/**
 * Throttle requeues spend no attempt. nsqd counts every delivery (its `attempts` goes up by one on each),
 * so when a 429 makes the bridge REQueue a message (its in-process retry would outlast nsqd's
 * --max-msg-timeout), the bridge remembers it here and discounts those deliveries when the message
 * comes back: attempts as the bridge, its dead-letter decisions and the function see them are nsqd's
 * count less the throttle requeues.
 *
 * Kept in this process's memory, keyed by nsqd address and message id (ids are unique per nsqd), bounded
 * by dropping the oldest entries. A message requeued by a throttle and then delivered to another bridge
 * process (or after a restart) is counted as nsqd counts it.
 */

interface Entry {
  /** nsqd's attempts of the delivery that was requeued by the last throttle. */
  atNsqdAttempts: number;
  /** Deliveries of this message that throttles caused, in total. */
  free: number;
}

export const THROTTLE_LEDGER_MAX_ENTRIES = 100_000;

export class ThrottleRequeues {
  readonly #entries = new Map<string, Entry>();

  constructor(readonly maxEntries = THROTTLE_LEDGER_MAX_ENTRIES) {}

  get size(): number {
    return this.#entries.size;
  }

  static key(nsqdAddress: string, id: string): string {
    return `${nsqdAddress} ${id}`;
  }

  /** Deliveries to discount from a delivery's nsqd `attempts`: the throttle requeues before it. */
  discount(key: string, nsqdAttempts: number): number {
    if (this.#entries.size === 0) return 0;
    const e = this.#entries.get(key);
    return e !== undefined && nsqdAttempts > e.atNsqdAttempts ? e.free : 0;
  }

  /**
   * The delivery with nsqd attempts `nsqdAttempts`, already discounted by `discounted`, is being
   * requeued because of a throttle: its next delivery does not count.
   */
  record(key: string, nsqdAttempts: number, discounted: number): void {
    this.#entries.delete(key);
    if (this.#entries.size >= this.maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(key, { atNsqdAttempts: nsqdAttempts, free: discounted + 1 });
  }

  /** The message is done with (finished or dead-lettered). */
  forget(key: string): void {
    if (this.#entries.size > 0) this.#entries.delete(key);
  }
}
