/**
 * The engine's work (running batches) and its drain: once draining, retry waits wake at once, and the
 * work left at the deadline has its Invokes aborted. Every wait goes through the injected Clock.
 */
import type { Clock } from '../ports.ts';

/** How long aborted Invokes get to return once the deadline passed. */
export const ABORTED_SETTLE_MS = 5_000;
/** Pause before closing the connections, so the last answers reach the socket. */
export const ANSWER_FLUSH_MS = 50;

export class Drain {
  readonly #work = new Set<Promise<void>>();
  /** Aborts Invokes at the drain deadline. */
  readonly #invokeAbort = new AbortController();
  /** Wakes throttle/retry waits when draining starts. */
  readonly #drainAbort = new AbortController();
  #draining = false;

  /** @param onError a tracked piece of work failed (it never should: the runner answers everything). */
  constructor(
    private readonly clock: Clock,
    private readonly onError: (error: Error) => void,
  ) {}

  get draining(): boolean {
    return this.#draining;
  }

  /** Aborted at the drain deadline: pass it to every Invoke. */
  get invokeSignal(): AbortSignal {
    return this.#invokeAbort.signal;
  }

  /** Work still running. */
  get pending(): number {
    return this.#work.size;
  }

  track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => this.onError(error as Error));
    this.#work.add(tracked);
    void tracked.finally(() => this.#work.delete(tracked));
  }

  /** Starts draining (waits wake now). Returns false when it had started already. */
  start(): boolean {
    if (this.#draining) return false;
    this.#draining = true;
    this.#drainAbort.abort();
    return true;
  }

  /**
   * Waits for the work until `deadlineAtMs`; past it, aborts the Invokes still running and gives them
   * ABORTED_SETTLE_MS to return. Returns whether the deadline passed.
   */
  async settle(deadlineAtMs: number): Promise<boolean> {
    if (await this.#settle(deadlineAtMs - this.clock.now())) return false;
    this.#invokeAbort.abort(new Error('drain deadline passed'));
    await this.#settle(ABORTED_SETTLE_MS);
    return true;
  }

  /** Lets the answers just written reach the socket before the connections close. */
  async flushAnswers(): Promise<void> {
    await new Promise((r) => setImmediate(r));
    await new Promise<void>((r) => this.clock.setTimeout(r, ANSWER_FLUSH_MS));
  }

  /** Waits `ms`, or less if draining starts meanwhile. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const signal = this.#drainAbort.signal;
      if (signal.aborted) return resolve();
      const timer = this.clock.setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        this.clock.clearTimeout(timer);
        resolve();
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** True when the work ended within `withinMs`. */
  async #settle(withinMs: number): Promise<boolean> {
    const end = this.clock.now() + Math.max(0, withinMs);
    while (this.#work.size > 0) {
      const left = end - this.clock.now();
      if (left <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.#work]),
        new Promise((r) => {
          timer = this.clock.setTimeout(() => r(undefined), left);
        }),
      ]);
      if (timer) this.clock.clearTimeout(timer);
    }
    return true;
  }
}
