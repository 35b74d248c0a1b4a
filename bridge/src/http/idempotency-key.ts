/**
 * The idempotency key of one batch attempt: the event's `batchId`. The engine keeps a batch's id when it
 * retries the same messages (after a 429 or a not-executed error) and gives each split or bisected half
 * its own (`.a`/`.b`, `.0`/`.1`), so the key names exactly one set of messages; a redelivery by nsqd
 * forms a new batch with a new id. Read from the event's head without parsing the whole (up to 6 MB)
 * payload: the engine writes `version`, `source`, `batchId` first. A payload without it (not an engine
 * event) gets the SHA-256 of its bytes, still the same for the same bytes.
 */
import { createHash } from 'node:crypto';

/** How far into the payload `batchId` is looked for. */
const HEAD_BYTES = 512;
const BATCH_ID = /"batchId":"([A-Za-z0-9._-]{1,200})"/;

export function idempotencyKeyOf(payload: Uint8Array): string {
  const head = Buffer.from(payload.buffer, payload.byteOffset, Math.min(payload.byteLength, HEAD_BYTES));
  const match = BATCH_ID.exec(head.toString('latin1'));
  if (match?.[1]) return match[1];
  return `sha256-${createHash('sha256').update(payload).digest('hex')}`;
}
