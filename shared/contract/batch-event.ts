/**
 * The batch event the bridge sends to a function: one Invoke per batch.
 * Documented in docs/contract.md. Versioned: a breaking change bumps CONTRACT_VERSION.
 */
import { z } from 'zod';
import { claimCheckPointerSchema } from './claim-check.ts';

export const CONTRACT_VERSION = 1 as const;

/** NSQ names: `^[.a-zA-Z0-9_-]+(#ephemeral)?$`, 1 to 64 characters. */
export const NSQ_NAME_PATTERN = /^[.a-zA-Z0-9_-]+(#ephemeral)?$/;
export const nsqNameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(NSQ_NAME_PATTERN, 'must match ^[.a-zA-Z0-9_-]+(#ephemeral)?$ (NSQ topic/channel name)');

export const nsqEventMessageSchema = z
  .object({
    /** The item identifier: the NSQ message id (16 hex characters). Unique within a batch. */
    id: z.string().min(1),
    /**
     * The message body, base64. Binary-safe; use `decodeBody` / `bodyText` / `bodyJson` to read it.
     * Empty when `claimCheck` is set: the body is then the S3 object the pointer names.
     */
    body: z
      .string()
      // A plain character class: linear on 6 MB (a grouped pattern overflows V8's regexp stack).
      .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64')
      .refine((b) => b.length % 4 === 0, 'must be base64 (padded to a multiple of 4 characters)'),
    /** NSQ delivery count, starting at 1 (timeouts count too). */
    attempts: z.number().int().min(1),
    /** When the producer published the message (NSQ timestamp), ms since the epoch. */
    timestampMs: z.number(),
    topic: nsqNameSchema,
    channel: nsqNameSchema,
    /** The nsqd (`host:port`) that delivered the message. */
    nsqdAddress: z.string(),
    /**
     * Present when the bridge stored the body in S3 (shared/contract/claim-check.ts): `body` is then
     * empty. The handler kit resolves it before the handler sees the message.
     */
    claimCheck: claimCheckPointerSchema.optional(),
  })
  .strict()
  .refine((m) => m.claimCheck === undefined || m.body === '', {
    message: 'a claim-checked message must have an empty body (the body is the S3 object)',
    path: ['body'],
  });

export const nsqBatchEventSchema = z
  .object({
    version: z.literal(CONTRACT_VERSION),
    source: z.literal('nsq-lambda'),
    /** Unique per Invoke; a retried Invoke of the same messages (e.g. after a 429) keeps it. */
    batchId: z.string().min(1),
    /** The subscription (function definition name) that produced the batch. */
    subscription: z.string().min(1),
    messages: z.array(nsqEventMessageSchema),
  })
  .strict();

export type NsqEventMessage = z.infer<typeof nsqEventMessageSchema>;
export type NsqBatchEvent = z.infer<typeof nsqBatchEventSchema>;

/**
 * The bytes of a message body. On runtimes without Node's `Buffer` (workerd without nodejs_compat, Vercel
 * Edge) the same bytes come as a plain Uint8Array, which has everything a Buffer reads except its helpers.
 */
export function decodeBody(message: Pick<NsqEventMessage, 'body'>): Buffer {
  if (typeof Buffer !== 'undefined') return Buffer.from(message.body, 'base64');
  const text = atob(message.body);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes as Buffer;
}

/** The body as UTF-8 text. Throws `TypeError` on bytes that are not valid UTF-8. */
export function bodyText(message: Pick<NsqEventMessage, 'body'>): string {
  return new TextDecoder('utf-8', { fatal: true }).decode(decodeBody(message));
}

/** The body parsed as JSON (UTF-8). Throws on invalid UTF-8 or invalid JSON. */
export function bodyJson(message: Pick<NsqEventMessage, 'body'>): unknown {
  return JSON.parse(bodyText(message));
}

export function encodeBody(body: Uint8Array | string): string {
  return (typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body)).toString('base64');
}
