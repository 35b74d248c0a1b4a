/**
 * Consumption (RDY) paused for one or more reasons (a stopped toggle, the drain, a rate limit holding
 * back): paused when the first reason appears, resumed only when the last one goes, so one reason ending
 * never resumes what another still holds.
 */
export type PauseReason = 'toggle' | 'drain' | 'rateLimit';

export class IntakeGate {
  readonly #reasons = new Set<PauseReason>();

  constructor(
    private readonly pauseIntake: () => void,
    private readonly resumeIntake: () => void,
  ) {}

  get paused(): boolean {
    return this.#reasons.size > 0;
  }

  /** Returns true when intake changed (paused or resumed) with this call. */
  set(reason: PauseReason, paused: boolean): boolean {
    const before = this.#reasons.size;
    if (paused) this.#reasons.add(reason);
    else this.#reasons.delete(reason);
    if (before === 0 && this.#reasons.size > 0) {
      this.pauseIntake();
      return true;
    }
    if (before > 0 && this.#reasons.size === 0) {
      this.resumeIntake();
      return true;
    }
    return false;
  }
}
