/**
 * The answer to a delivery that admission (admission.ts) keeps from any batch: requeued (draining, toggle
 * stopped), dead-lettered (past maxAttempts, too large), filtered out (FIN or dead letter `filtered`, by
 * onFilteredOut) or expired (dead letter `expired` or FIN, by onExpired). None of them is invoked.
 */
import type { TrackedMessage } from '../delivery.ts';
import type { BridgeEventEmitter } from '../events.ts';
import type { Admission } from './admission.ts';
import type { Answerer } from './answerer.ts';

/** Answers `m`; returns the dead-letter write when there is one (the caller tracks it for the drain). */
export function answerOnArrival(
  m: TrackedMessage,
  admission: Exclude<Admission, { kind: 'queue' }>,
  answerer: Answerer,
  events: BridgeEventEmitter,
): Promise<void> | undefined {
  switch (admission.kind) {
    case 'requeue':
      answerer.requeue(m, admission.delayMs, admission.cause);
      return undefined;
    case 'deadLetter':
      return answerer.deadLetter([{ message: m, kind: admission.reasonKind, reason: admission.reason }]);
    case 'filteredOut':
      events.emit('message_filtered_out', {
        subscription: m.subscription,
        id: m.id,
        action: admission.action,
      });
      if (admission.action === 'deadLetter')
        return answerer.deadLetter([{ message: m, kind: 'filtered', reason: admission.reason }]);
      answerer.finishUninvoked(m);
      return undefined;
    case 'expired': {
      const request = answerer.expired(m, admission, 'receive');
      return request && answerer.deadLetter([request]);
    }
  }
}
