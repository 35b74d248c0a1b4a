/**
 * A token bucket with the time passed in (no clock of its own): `messagesPerSecond` tokens a second, at
 * most `burst` saved up. The rate pacer (rate-pacer.ts) takes one token per message before it may be
 * invoked. Starts full.
 */
export class TokenBucket {
  #tokens: number;
  #atMs: number;
  readonly #perMs: number;

  constructor(
    readonly messagesPerSecond: number,
    readonly burst: number,
    nowMs: number,
  ) {
    if (!(messagesPerSecond > 0) || !(burst >= 1)) throw new RangeError('rate must be > 0 and burst ≥ 1');
    this.#perMs = messagesPerSecond / 1000;
    this.#tokens = burst;
    this.#atMs = nowMs;
  }

  #refill(nowMs: number): void {
    if (nowMs > this.#atMs) {
      this.#tokens = Math.min(this.burst, this.#tokens + (nowMs - this.#atMs) * this.#perMs);
      this.#atMs = nowMs;
    }
  }

  /** Takes one token if there is one. */
  tryTake(nowMs: number): boolean {
    this.#refill(nowMs);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Whole tokens available now. */
  available(nowMs: number): number {
    this.#refill(nowMs);
    return Math.floor(this.#tokens);
  }

  /** ms until the next whole token (0 when one is there). */
  msUntilToken(nowMs: number): number {
    this.#refill(nowMs);
    return this.#tokens >= 1 ? 0 : Math.ceil((1 - this.#tokens) / this.#perMs);
  }
}
