/**
 * `rateLimit`, enforced before invoking: a received message waits here (in flight, TOUCHed like any
 * other) until the token bucket gives it a token, then goes on to batching. Nothing is REQueued for the
 * limit, so it never spends an attempt. While as many messages wait as about a second of the rate plus
 * the burst (`holdLimit`), intake is paused (RDY 0), so the bridge asks nsqd only for what it can invoke
 * soon and nsqd hands the rest to other consumers; it resumes once half of that is left (hysteresis, so
 * RDY does not flap with every token).
 */
import type { BridgeSubscription } from '#shared/config/bridge-config';
import type { Clock } from '../ports.ts';
import { TokenBucket } from './token-bucket.ts';

export interface RatePacerOptions<T> {
  readonly messagesPerSecond: number;
  readonly burst: number;
  readonly clock: Clock;
  /** The item got its token: on to batching. */
  readonly admit: (item: T) => void;
  /** Pause (true) or resume (false) intake for the rate limit. */
  readonly setIntakePaused: (paused: boolean) => void;
}

export class RatePacer<T> {
  readonly #bucket: TokenBucket;
  readonly #options: RatePacerOptions<T>;
  /** Intake pauses when this many wait, and resumes at half of it. */
  readonly holdLimit: number;
  #held: T[] = [];
  #timer: NodeJS.Timeout | undefined;
  #paused = false;

  constructor(options: RatePacerOptions<T>) {
    this.#options = options;
    this.#bucket = new TokenBucket(options.messagesPerSecond, options.burst, options.clock.now());
    this.holdLimit = options.burst + Math.ceil(options.messagesPerSecond);
  }

  /** The subscription's pacer (its rateLimit as this task enforces it), or undefined without a rateLimit. */
  static forSubscription<T>(
    config: Pick<BridgeSubscription, 'rateLimitPerTask'>,
    clock: Clock,
    hooks: Pick<RatePacerOptions<T>, 'admit' | 'setIntakePaused'>,
  ): RatePacer<T> | undefined {
    const rate = config.rateLimitPerTask;
    return rate && new RatePacer<T>({ ...rate, clock, ...hooks });
  }

  /** Messages waiting for a token. */
  get held(): number {
    return this.#held.length;
  }

  get intakePaused(): boolean {
    return this.#paused;
  }

  offer(item: T): void {
    this.#held.push(item);
    this.pump();
  }

  /** Admits as many waiting items as there are tokens; schedules the next admission. */
  pump(): void {
    const now = this.#options.clock.now();
    while (this.#held.length > 0 && this.#bucket.tryTake(now)) this.#options.admit(this.#held.shift() as T);
    if (this.#held.length > 0 && this.#timer === undefined) {
      this.#timer = this.#options.clock.setTimeout(
        () => {
          this.#timer = undefined;
          this.pump();
        },
        Math.max(1, this.#bucket.msUntilToken(now)),
      );
    }
    this.#updatePaused();
  }

  /** Takes the waiting items that `which` selects (all by default) out of the pacer. */
  take(which: (item: T) => boolean = () => true): T[] {
    const taken: T[] = [];
    const kept: T[] = [];
    for (const item of this.#held) (which(item) ? taken : kept).push(item);
    this.#held = kept;
    if (kept.length === 0) this.#clearTimer();
    this.#updatePaused();
    return taken;
  }

  close(): void {
    this.#clearTimer();
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#options.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #updatePaused(): void {
    const held = this.#held.length;
    this.#setPaused(this.#paused ? held > Math.floor(this.holdLimit / 2) : held >= this.holdLimit);
  }

  #setPaused(paused: boolean): void {
    if (paused === this.#paused) return;
    this.#paused = paused;
    this.#options.setIntakePaused(paused);
  }
}
