/**
 * What a handler decides for one message. The kit turns these into the contract response
 * (shared/contract/batch-result.ts): finish → nothing listed (FIN), requeue → REQ with an optional
 * delay, deadLetter → written to the dead letters now, no more attempts.
 */
import type { DeadLetterByFunctionKind, ItemOutcome } from '#shared/contract/batch-result';
import { MAX_REQUEUE_DELAY_MS } from '#shared/contract/batch-result';

export type Outcome = ItemOutcome;

const MAX_REASON_CHARS = 4096;

function clampReason(reason: string): string {
  return reason.length > MAX_REASON_CHARS ? `${reason.slice(0, MAX_REASON_CHARS - 1)}…` : reason;
}

/** Done: the bridge FINishes the message. Returning nothing means the same. */
export function finish(): Outcome {
  return { kind: 'finish' };
}

/**
 * Try again later. Without `delayMs` the subscription's backoff policy picks the delay.
 * The delay is rounded up to whole milliseconds and capped at nsqd's default maximum (1 h).
 */
export function requeue(delayMs?: number, reason?: string): Outcome {
  if (delayMs !== undefined && !(delayMs >= 0)) {
    throw new RangeError(`requeue delayMs must be ≥ 0, got ${delayMs}`);
  }
  return {
    kind: 'requeue',
    ...(delayMs !== undefined && { delayMs: Math.min(Math.ceil(delayMs), MAX_REQUEUE_DELAY_MS) }),
    ...(reason !== undefined && reason !== '' && { reason: clampReason(reason) }),
  };
}

/**
 * Never going to work: dead-letter it now with this reason; no further attempts are spent.
 * `reasonKind` 'dropped' records a deliberate drop (the toggle's drop policy) instead of a failure.
 */
export function deadLetter(reason: string, reasonKind: DeadLetterByFunctionKind = 'function'): Outcome {
  return {
    kind: 'deadLetter',
    reason: clampReason(reason.trim() === '' ? 'dead-lettered by the handler' : reason),
    ...(reasonKind !== 'function' && { reasonKind }),
  };
}

function isReason(value: unknown, required: boolean): boolean {
  if (value === undefined) return !required;
  return typeof value === 'string' && value.length <= MAX_REASON_CHARS && (!required || value !== '');
}

/**
 * True for an outcome the contract accepts as it is (what `finish`, `requeue` and `deadLetter` build).
 * A hand-built one with a bad delay or reason is not an outcome: the kit treats it as a handler error
 * (that message is requeued) instead of sending a response the bridge would reject for the whole batch.
 */
export function isOutcome(value: unknown): value is Outcome {
  if (typeof value !== 'object' || value === null) return false;
  const { kind, delayMs, reason, reasonKind } = value as {
    kind?: unknown;
    delayMs?: unknown;
    reason?: unknown;
    reasonKind?: unknown;
  };
  if (kind === 'finish') return true;
  if (kind === 'deadLetter')
    return (
      isReason(reason, true) &&
      (reasonKind === undefined || reasonKind === 'function' || reasonKind === 'dropped')
    );
  if (kind !== 'requeue') return false;
  const delayOk =
    delayMs === undefined ||
    (Number.isInteger(delayMs) && (delayMs as number) >= 0 && (delayMs as number) <= MAX_REQUEUE_DELAY_MS);
  return delayOk && isReason(reason, false);
}
