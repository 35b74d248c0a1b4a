/**
 * A dead letter: a message the bridge gave up on, with everything needed to understand and replay it.
 * Written before the message is FINished. Stored as JSON in S3 (one object per message) or published
 * to an NSQ dead-letter topic.
 */
import { z } from 'zod';

export const deadLetterReasonKindSchema = z.enum([
  /** The function answered `deadLetter` for this message. */
  'function',
  /** attempts reached the subscription's maxAttempts. */
  'maxAttempts',
  /** The bridge could not even build an event for it (e.g. larger than the Invoke limit on its own). */
  'undeliverable',
  /** A handler-side drop (toggle stopped with the drop policy and dead-lettering on). */
  'dropped',
  /** It matched none of the subscription's `filters` (with `onFilteredOut: 'deadLetter'`). */
  'filtered',
  /** Older than the subscription's `maxRecordAgeMs` when received or when it would be retried. */
  'expired',
]);

export const deadLetterRecordSchema = z
  .object({
    version: z.literal(1),
    /** NSQ message id. */
    id: z.string(),
    subscription: z.string(),
    topic: z.string(),
    channel: z.string(),
    functionName: z.string(),
    /** The original body, base64 (byte-exact). */
    body: z.string(),
    attempts: z.number().int(),
    reasonKind: deadLetterReasonKindSchema,
    /** Human-readable reason: the function's text, or the last error. */
    reason: z.string(),
    /** The last invocation error, when there was one (function error payload, timeout, ...). */
    lastError: z
      .object({ type: z.string(), message: z.string(), requestId: z.string().optional() })
      .strict()
      .optional(),
    nsqdAddress: z.string(),
    /** When the producer published it (NSQ timestamp). */
    publishedAtMs: z.number(),
    /** When this bridge first received it, in this delivery. */
    receivedAtMs: z.number(),
    deadLetteredAtMs: z.number(),
  })
  .strict();

export type DeadLetterRecord = z.infer<typeof deadLetterRecordSchema>;

/**
 * S3 object key of a dead letter: `<prefix>/<subscription>/<yyyy>/<mm>/<dd>/<deadLetteredAtMs>-<id>.json`.
 * Sortable by time within a subscription; the id keeps keys unique.
 */
export function deadLetterKey(
  prefix: string,
  record: Pick<DeadLetterRecord, 'subscription' | 'deadLetteredAtMs' | 'id'>,
): string {
  const d = new Date(record.deadLetteredAtMs);
  const p = (n: number) => String(n).padStart(2, '0');
  const base = prefix.replace(/\/+$/, '');
  return `${base}/${record.subscription}/${d.getUTCFullYear()}/${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())}/${record.deadLetteredAtMs}-${record.id}.json`;
}
