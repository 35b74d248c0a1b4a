/**
 * maxRecordAgeMs as a pure decision: a message older than the limit (by its NSQ timestamp) when it is
 * received, or by the time a retry would redeliver it, is never invoked; the subscription's `onExpired`
 * says whether it is dead-lettered (reasonKind `expired`) or dropped. The NSQ timestamp is set by nsqd
 * when the message is published, so clock skew between nsqd and the bridge shifts the age by as much.
 */
import type { SubscriptionSettings } from '#shared/config/subscription';

export type RecordAgeDecision =
  | { readonly action: 'keep' }
  | { readonly action: 'deadLetter' | 'drop'; readonly ageMs: number; readonly reason: string };

const KEEP: RecordAgeDecision = { action: 'keep' };

/**
 * `retryDelayMs` undefined: the message was just received. A number: it would be REQueued with that
 * delay, and is judged at the time it would come back.
 */
export function recordAgeDecision(
  settings: {
    readonly maxRecordAgeMs?: number | undefined;
    readonly onExpired: SubscriptionSettings['onExpired'];
  },
  publishedAtMs: number,
  nowMs: number,
  retryDelayMs?: number,
): RecordAgeDecision {
  const max = settings.maxRecordAgeMs;
  if (max === undefined) return KEEP;
  const atMs = nowMs + (retryDelayMs ?? 0);
  const ageMs = atMs - publishedAtMs;
  if (ageMs <= max) return KEEP;
  const reason =
    retryDelayMs === undefined
      ? `received ${nowMs - publishedAtMs} ms after it was published, over maxRecordAgeMs (${max})`
      : `a retry in ${retryDelayMs} ms would deliver it ${ageMs} ms after it was published, over maxRecordAgeMs (${max})`;
  return { action: settings.onExpired === 'drop' ? 'drop' : 'deadLetter', ageMs, reason };
}
