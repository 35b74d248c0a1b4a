/** Builds the contract response from per-message outcomes. */
import type { BatchItemFailure, NsqBatchResult } from '#shared/contract/batch-result';
import type { Outcome } from './outcome.ts';

export function toBatchResult(outcomes: Iterable<readonly [id: string, outcome: Outcome]>): NsqBatchResult {
  const batchItemFailures: BatchItemFailure[] = [];
  for (const [itemIdentifier, outcome] of outcomes) {
    if (outcome.kind === 'finish') continue;
    if (outcome.kind === 'deadLetter') {
      batchItemFailures.push({
        itemIdentifier,
        action: 'deadLetter',
        reason: outcome.reason,
        ...(outcome.reasonKind !== undefined && { reasonKind: outcome.reasonKind }),
      });
    } else {
      batchItemFailures.push({
        itemIdentifier,
        ...(outcome.delayMs !== undefined && { delayMs: outcome.delayMs }),
        ...(outcome.reason !== undefined && { reason: outcome.reason }),
      });
    }
  }
  return { batchItemFailures };
}
