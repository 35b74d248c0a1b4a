/**
 * What a function returns for a batch. SQS-compatible: `{ batchItemFailures: [{ itemIdentifier }] }`
 * means "requeue those, finish the rest". Extended per item with:
 * - `action: 'requeue'` (the default) and an optional `delayMs`: requeue after that delay;
 * - `action: 'deadLetter'` with a `reason`: dead-letter now, no more attempts; `reasonKind: 'dropped'`
 *   marks a deliberate drop (the toggle's drop policy) rather than a failure (`'function'`, the default),
 *   and becomes the dead-letter record's `reasonKind`.
 *
 * Like SQS, a `null` response or one without failures means every message succeeded. Anything else
 * that does not match the schema, or names an unknown or duplicate id, is malformed: the bridge fails
 * the whole batch and counts it (see docs/contract.md).
 */
import { z } from 'zod';
import { formatZodIssue } from '#shared/zod-issues';

/** nsqd's default --max-req-timeout. Delays above the server's maximum are clamped by the bridge. */
export const MAX_REQUEUE_DELAY_MS = 60 * 60 * 1000;

/** The dead-letter reason kinds a function may give: a failure (`function`) or a deliberate drop. */
export const deadLetterByFunctionKindSchema = z.enum(['function', 'dropped']);
export type DeadLetterByFunctionKind = z.infer<typeof deadLetterByFunctionKindSchema>;

export const batchItemFailureSchema = z.discriminatedUnion('action', [
  z
    .object({
      itemIdentifier: z.string().min(1),
      action: z.literal('requeue').optional(),
      /** Whole milliseconds; omitted means the subscription's backoff policy. */
      delayMs: z.number().int().min(0).max(MAX_REQUEUE_DELAY_MS).optional(),
      reason: z.string().max(4096).optional(),
    })
    .strict(),
  z
    .object({
      itemIdentifier: z.string().min(1),
      action: z.literal('deadLetter'),
      reason: z.string().min(1).max(4096),
      /** The dead-letter record's reasonKind. @default 'function' */
      reasonKind: deadLetterByFunctionKindSchema.optional(),
    })
    .strict(),
]);

export const nsqBatchResultSchema = z
  .object({
    batchItemFailures: z.array(batchItemFailureSchema).nullish(),
  })
  .strict()
  .nullable();

export type BatchItemFailure = z.infer<typeof batchItemFailureSchema>;
export interface NsqBatchResult {
  batchItemFailures: BatchItemFailure[];
}

export type ItemOutcome =
  | { readonly kind: 'finish' }
  | { readonly kind: 'requeue'; readonly delayMs?: number; readonly reason?: string }
  | {
      readonly kind: 'deadLetter';
      readonly reason: string;
      /** Absent means 'function'. */
      readonly reasonKind?: DeadLetterByFunctionKind;
    };

export type ParsedBatchResult =
  | { readonly ok: true; readonly outcomes: ReadonlyMap<string, ItemOutcome> }
  | { readonly ok: false; readonly problem: string };

/** The outcome of every message the response does not list: it succeeded. */
export const FINISH_OUTCOME: ItemOutcome = Object.freeze({ kind: 'finish' });

/**
 * UTF-8 as the Invoke API delivers it, byte for byte: `ignoreBOM` keeps a leading byte-order mark in the
 * text (TextDecoder strips it by default), so JSON behind a BOM is refused as JSON.parse refuses it, as
 * Buffer#toString did before this ran on edge runtimes too (docs/faults.md).
 */
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Parses a function's response payload (raw bytes or text) against the batch it answered.
 * Never throws: a malformed response comes back as `{ ok: false, problem }`.
 */
export function parseBatchResult(
  payload: string | Uint8Array | undefined,
  messageIds: readonly string[],
): ParsedBatchResult {
  const text = payload === undefined ? '' : typeof payload === 'string' ? payload : utf8.decode(payload);
  let json: unknown = null;
  if (text.trim() !== '') {
    try {
      json = JSON.parse(text);
    } catch {
      return { ok: false, problem: `response is not JSON (${text.length} bytes)` };
    }
  }
  const parsed = nsqBatchResultSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return {
      ok: false,
      problem: `response does not match the contract: ${first ? formatZodIssue(first) : 'invalid'}`,
    };
  }
  const outcomes = new Map<string, ItemOutcome>();
  for (const id of messageIds) outcomes.set(id, FINISH_OUTCOME);
  const seen = new Set<string>();
  for (const failure of parsed.data?.batchItemFailures ?? []) {
    const id = failure.itemIdentifier;
    if (!outcomes.has(id))
      return {
        ok: false,
        problem: `response names an unknown itemIdentifier ${JSON.stringify(id.slice(0, 64))}`,
      };
    if (seen.has(id))
      return { ok: false, problem: `response names itemIdentifier ${JSON.stringify(id)} twice` };
    seen.add(id);
    if (failure.action === 'deadLetter')
      outcomes.set(id, {
        kind: 'deadLetter',
        reason: failure.reason,
        ...(failure.reasonKind !== undefined && { reasonKind: failure.reasonKind }),
      });
    else
      outcomes.set(id, {
        kind: 'requeue',
        ...(failure.delayMs !== undefined && { delayMs: failure.delayMs }),
        ...(failure.reason !== undefined && { reason: failure.reason }),
      });
  }
  return { ok: true, outcomes };
}
