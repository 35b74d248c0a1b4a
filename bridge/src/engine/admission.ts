/**
 * What happens to a delivery on arrival, before any batch: a pure function, tested as a table.
 *
 * Rows, in order: draining and a stopped toggle requeue; a message matching none of the subscription's
 * `filters` is filtered out (FINished or dead-lettered `filtered`, by `onFilteredOut`); a message older
 * than `maxRecordAgeMs` is expired (dead-lettered `expired` or dropped, by `onExpired`); past maxAttempts
 * or too large to send, it is dead-lettered; otherwise it queues (through the rate pacer when the
 * subscription has a `rateLimit`). Filters come before age: a message the function would never see is
 * not dead-lettered as expired.
 */
import type { DeadLetterRecord } from '#shared/contract/dead-letter';
import { recordAgeDecision } from './record-age.ts';

export interface ArrivalState {
  readonly draining: boolean;
  readonly toggleStopped: boolean;
  readonly toggleRequeueDelayMs: number;
  /** Attempts spent, counting this delivery (TrackedMessage.attempts). */
  readonly attempts: number;
  readonly maxAttempts: number;
  /** Why the message can never be sent (PayloadBuilder.oversize), or undefined when it fits. */
  readonly oversize: string | undefined;
  /** The body matches one of the subscription's filters (true when it has none). */
  readonly matchesFilters: boolean;
  readonly onFilteredOut: 'finish' | 'deadLetter';
  /** The NSQ timestamp, and the bridge's clock now. */
  readonly publishedAtMs: number;
  readonly nowMs: number;
  readonly maxRecordAgeMs: number | undefined;
  readonly onExpired: 'deadLetter' | 'drop';
}

export type Admission =
  | { readonly kind: 'queue' }
  | { readonly kind: 'requeue'; readonly delayMs: number; readonly cause: 'draining' | 'toggle stopped' }
  | {
      readonly kind: 'deadLetter';
      readonly reasonKind: Extract<DeadLetterRecord['reasonKind'], 'maxAttempts' | 'undeliverable'>;
      readonly reason: string;
    }
  /** Matched no filter: never invoked; FINished or dead-lettered (reasonKind `filtered`). */
  | { readonly kind: 'filteredOut'; readonly action: 'finish' | 'deadLetter'; readonly reason: string }
  /** Older than maxRecordAgeMs: never invoked; dead-lettered (reasonKind `expired`) or dropped (FIN). */
  | {
      readonly kind: 'expired';
      readonly action: 'deadLetter' | 'drop';
      readonly ageMs: number;
      readonly reason: string;
    };

export function admit(s: ArrivalState): Admission {
  if (s.draining) return { kind: 'requeue', delayMs: 0, cause: 'draining' };
  if (s.toggleStopped) return { kind: 'requeue', delayMs: s.toggleRequeueDelayMs, cause: 'toggle stopped' };
  if (!s.matchesFilters)
    return {
      kind: 'filteredOut',
      action: s.onFilteredOut,
      reason: "matched none of the subscription's filters",
    };
  const age = recordAgeDecision(
    { maxRecordAgeMs: s.maxRecordAgeMs, onExpired: s.onExpired },
    s.publishedAtMs,
    s.nowMs,
  );
  if (age.action !== 'keep')
    return { kind: 'expired', action: age.action, ageMs: age.ageMs, reason: age.reason };
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
