/**
 * What happens to a received message before it may be invoked, as a pure decision: filtered out (it
 * matches none of the subscription's `filters`), expired (older than `maxRecordAgeMs`), or admitted.
 * Filters come first: a message the function would never see is not dead-lettered as expired.
 */
import type { SubscriptionSettings } from '#shared/config/subscription';
import type { MessageFilter } from '#shared/filter/message-filter';
import { recordAgeDecision } from './record-age.ts';

export type Admission =
  | { readonly kind: 'admit' }
  | { readonly kind: 'filteredOut'; readonly action: 'finish' | 'deadLetter'; readonly reason: string }
  | {
      readonly kind: 'expired';
      readonly action: 'deadLetter' | 'drop';
      readonly ageMs: number;
      readonly reason: string;
    };

const ADMIT: Admission = { kind: 'admit' };

export function admissionDecision(
  filter: MessageFilter,
  settings: Pick<SubscriptionSettings, 'onFilteredOut' | 'maxRecordAgeMs' | 'onExpired'>,
  message: { readonly body: Buffer; readonly timestampMs: number },
  nowMs: number,
): Admission {
  if (!filter.matches(message.body))
    return {
      kind: 'filteredOut',
      action: settings.onFilteredOut,
      reason: "matched none of the subscription's filters",
    };
  const age = recordAgeDecision(settings, message.timestampMs, nowMs);
  if (age.action === 'keep') return ADMIT;
  return { kind: 'expired', action: age.action, ageMs: age.ageMs, reason: age.reason };
}
