/**
 * What a dead letter says: the request the answerer writes (message, reason kind, reason) and the record
 * the DeadLetterStore stores for it (shared/contract/dead-letter.ts). Pure: no store, no clock.
 */
import type { BridgeSubscription } from '#shared/config/bridge-config';
import type { DeadLetterRecord } from '#shared/contract/dead-letter';
import type { TrackedMessage } from '../delivery.ts';

export interface DeadLetterRequest {
  readonly message: TrackedMessage;
  readonly kind: DeadLetterRecord['reasonKind'];
  readonly reason: string;
}

/** The request for a message that used its last attempt (`maxAttempts`). */
export function lastAttemptRequest(
  m: TrackedMessage,
  maxAttempts: number,
  reason: string,
): DeadLetterRequest {
  return {
    message: m,
    kind: 'maxAttempts',
    reason: `attempt ${m.attempts} of ${maxAttempts} failed: ${reason}`,
  };
}

/** The record of `request` dead-lettered at `nowMs` (the reason cut to 4096 characters). */
export function deadLetterRecord(
  config: BridgeSubscription,
  { message: m, kind, reason }: DeadLetterRequest,
  nowMs: number,
): DeadLetterRecord {
  return {
    version: 1,
    id: m.id,
    subscription: config.name,
    topic: config.topic,
    channel: config.channelName,
    functionName: config.functionName,
    body: m.handle.body.toString('base64'),
    attempts: m.attempts,
    reasonKind: kind,
    reason: reason.slice(0, 4096),
    ...(m.lastError && { lastError: m.lastError }),
    nsqdAddress: m.handle.nsqdAddress,
    publishedAtMs: m.handle.timestampMs,
    receivedAtMs: m.receivedAtMs,
    deadLetteredAtMs: nowMs,
  };
}
