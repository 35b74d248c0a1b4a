/**
 * What a handler decides for one message. The kit turns these into the contract response
 * (shared/contract/batch-result.ts): finish → nothing listed (FIN), requeue → REQ with an optional
 * delay, deadLetter → written to the dead letters now, no more attempts.
 */
import type { ItemOutcome } from '#shared/contract/batch-result';
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

/** Never going to work: dead-letter it now with this reason; no further attempts are spent. */
export function deadLetter(reason: string): Outcome {
  return {
    kind: 'deadLetter',
    reason: clampReason(reason.trim() === '' ? 'dead-lettered by the handler' : reason),
  };
}

export function isOutcome(value: unknown): value is Outcome {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return kind === 'finish' || kind === 'requeue' || kind === 'deadLetter';
}
