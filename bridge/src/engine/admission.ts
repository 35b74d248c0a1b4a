/**
 * What happens to a delivery on arrival, before any batch: a pure function, tested as a table.
 *
 * Seam for filter criteria and a maximum record age: they are more rows here (a message that fails a
 * filter finishes, a message too old is dead-lettered), decided without invoking the function.
 */
import type { DeadLetterRecord } from '#shared/contract/dead-letter';

export interface ArrivalState {
  readonly draining: boolean;
  readonly toggleStopped: boolean;
  readonly toggleRequeueDelayMs: number;
  /** Attempts spent, counting this delivery (TrackedMessage.attempts). */
  readonly attempts: number;
  readonly maxAttempts: number;
  /** Why the message can never be sent (PayloadBuilder.oversize), or undefined when it fits. */
  readonly oversize: string | undefined;
}

export type Admission =
  | { readonly kind: 'queue' }
  | { readonly kind: 'requeue'; readonly delayMs: number; readonly cause: 'draining' | 'toggle stopped' }
  | {
      readonly kind: 'deadLetter';
      readonly reasonKind: Extract<DeadLetterRecord['reasonKind'], 'maxAttempts' | 'undeliverable'>;
      readonly reason: string;
    };

export function admit(s: ArrivalState): Admission {
  if (s.draining) return { kind: 'requeue', delayMs: 0, cause: 'draining' };
  if (s.toggleStopped) return { kind: 'requeue', delayMs: s.toggleRequeueDelayMs, cause: 'toggle stopped' };
  // Attempts are checked on arrival (`> maxAttempts`) and after each failure (`>= maxAttempts`).
  if (s.attempts > s.maxAttempts)
    return {
      kind: 'deadLetter',
      reasonKind: 'maxAttempts',
      reason: `delivered ${s.attempts} times (maxAttempts ${s.maxAttempts}); earlier deliveries timed out or failed`,
    };
  // maxBytes is a hard limit (and below Lambda's Invoke limit): a message whose event alone would pass
  // it can never be invoked, so it is dead-lettered now rather than sent in an oversized event.
  if (s.oversize !== undefined)
    return { kind: 'deadLetter', reasonKind: 'undeliverable', reason: s.oversize };
  return { kind: 'queue' };
}
