/**
 * Consumption (RDY) paused for one or more reasons (a stopped toggle, the drain, a rate limit holding
 * back): paused when the first reason appears, resumed only when the last one goes, so one reason ending
 * never resumes what another still holds. Emits `paused` (per reason) and `resumed`.
 */
import type { BridgeEventEmitter } from '../events.ts';
import type { MessageSource } from '../ports.ts';

export type PauseReason = 'toggle' | 'drain' | 'rateLimit';

export class IntakeGate {
  readonly #reasons = new Set<PauseReason>();

  constructor(
    private readonly source: Pick<MessageSource, 'pause' | 'resume'>,
    private readonly events: BridgeEventEmitter,
    private readonly subscription: string,
  ) {}

  get paused(): boolean {
    return this.#reasons.size > 0;
  }

  set(reason: PauseReason, paused: boolean): void {
    const before = this.#reasons.size;
    if (paused === this.#reasons.has(reason)) return;
    if (paused) this.#reasons.add(reason);
    else this.#reasons.delete(reason);
    try {
      if (before === 0 && paused) this.source.pause();
      if (this.#reasons.size === 0) this.source.resume();
    } catch (error) {
      this.events.emit('error', { subscription: this.subscription, error: error as Error });
    }
    if (paused) this.events.emit('paused', { subscription: this.subscription, reason });
    else if (this.#reasons.size === 0) this.events.emit('resumed', { subscription: this.subscription });
  }
}
