/** The message a handler receives: the contract's fields plus the decoded, validated body. */
import type { NsqEventMessage } from '#shared/contract/batch-event';

export interface NsqMessage<TBody = unknown> {
  /** The NSQ message id; the item identifier in the response. */
  readonly id: string;
  /** Delivery count, starting at 1. */
  readonly attempts: number;
  /** When the producer published it, ms since the epoch. */
  readonly timestampMs: number;
  readonly topic: string;
  readonly channel: string;
  readonly nsqdAddress: string;
  /** The body, read as the handler declared (bytes, text, JSON or a zod schema's output). */
  readonly body: TBody;
  /** The message as the bridge sent it (base64 body). */
  readonly raw: NsqEventMessage;
}

export function toNsqMessage<TBody>(raw: NsqEventMessage, body: TBody): NsqMessage<TBody> {
  return {
    id: raw.id,
    attempts: raw.attempts,
    timestampMs: raw.timestampMs,
    topic: raw.topic,
    channel: raw.channel,
    nsqdAddress: raw.nsqdAddress,
    body,
    raw,
  };
}
