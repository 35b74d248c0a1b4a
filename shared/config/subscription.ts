/**
 * Per-subscription settings: what a function definition declares about how the bridge feeds it.
 * The bridge's runtime config (shared/config/bridge-config.ts) embeds these, adding addresses and the
 * function's name or ARN. Every duration ends in Ms, every size in Bytes.
 */
import { z } from 'zod';
import { nsqNameSchema } from '#shared/contract/batch-event';
import { IDEMPOTENCY_KEY_HEADER, SIGNATURE_HEADER } from '#shared/edge/signature';
import { filterProblems } from '#shared/filter/message-filter';

/** Lambda's synchronous Invoke request limit. */
export const LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024;
/** Room kept for the JSON envelope around the messages. */
export const EVENT_ENVELOPE_RESERVE_BYTES = 64 * 1024;

export const requeuePolicySchema = z
  .object({
    /** First retry delay; doubles per attempt. @default 1000 */
    baseDelayMs: z.number().int().min(0).default(1_000),
    /** Cap, at most nsqd's --max-req-timeout (1 h by default). @default 900_000 (15 min) */
    maxDelayMs: z
      .number()
      .int()
      .min(0)
      .max(60 * 60 * 1000)
      .default(15 * 60 * 1000),
    /** 'full': uniform in [0, delay]; 'equal': delay/2 + uniform in [0, delay/2]; 'none'. @default 'equal' */
    jitter: z.enum(['full', 'equal', 'none']).default('equal'),
  })
  .strict();

export const toggleSettingsSchema = z
  .object({
    /** What a stopped toggle does with messages. @default 'requeue' */
    policy: z.enum(['requeue', 'drop']).default('requeue'),
    /** Delay for messages requeued while stopped. @default 30_000 */
    requeueDelayMs: z.number().int().min(0).default(30_000),
    /** With the drop policy, also write dropped messages to the dead letters. @default false */
    deadLetterDropped: z.boolean().default(false),
    /** When the toggle cannot be read: 'open' processes, 'closed' applies the stopped policy. @default 'open' */
    failMode: z.enum(['open', 'closed']).default('open'),
  })
  .strict();

/**
 * Filter patterns in the syntax of Lambda's FilterCriteria (shared/filter/compile-pattern.ts), each an
 * object or its JSON text; a message is invoked when it matches one of them. Compiled at start-up: an
 * invalid pattern stops it, every problem listed.
 */
export const filtersSchema = z
  .array(z.union([z.string(), z.record(z.string(), z.unknown())]))
  .min(1)
  .max(100)
  .superRefine((patterns, ctx) => {
    for (const p of filterProblems(patterns))
      ctx.addIssue({ code: 'custom', message: p.message, path: [...p.path] });
  });

/**
 * Messages per second this subscription invokes, paced before invoking by how many messages the bridge
 * asks nsqd for (RDY), never by REQ: a limit never spends an attempt. Across bridge tasks the limit is
 * divided by the bridge config's `rateLimitTaskCount` (docs/bridge.md "Rate limit").
 */
export const rateLimitSchema = z
  .object({
    /** Sustained rate, above 0 (fractions allowed: 0.5 is one message every 2 s). */
    messagesPerSecond: z.number().positive().max(1_000_000),
    /** Messages that may go at once after an idle period. @default max(1, ⌈messagesPerSecond⌉) */
    burst: z.number().int().min(1).max(1_000_000).optional(),
  })
  .strict();

export const subscriptionSettingsSchema = z
  .object({
    topic: nsqNameSchema,
    channel: nsqNameSchema,
    /** Appends `#ephemeral` to the channel: nothing kept on disk, the channel vanishes with its last consumer. @default false */
    ephemeral: z.boolean().default(false),
    /**
     * Most messages per Invoke, 1 to 10,000. maxMessages × maxConcurrentInvocations (the default maxInFlight)
     * must not exceed nsqd's --max-rdy-count (2,500 unless set): the bridge checks it against the
     * `max_rdy_count` each nsqd reports and refuses to start otherwise. @default 10
     */
    maxMessages: z.number().int().min(1).max(10_000).default(10),
    /**
     * Most bytes of encoded event per Invoke, a hard limit (envelope included); at most Lambda's 6 MB
     * request limit less a 64 KiB reserve. A message whose event alone would pass it is dead-lettered
     * `undeliverable` without invoking. @default 6_225_920
     */
    maxBytes: z
      .number()
      .int()
      .min(1024)
      .max(LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES - EVENT_ENVELOPE_RESERVE_BYTES)
      .default(LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES - EVENT_ENVELOPE_RESERVE_BYTES),
    /** How long a partial batch waits for more messages. @default 50 */
    maxWaitMs: z.number().int().min(0).max(300_000).default(50),
    /** Invocations of this function the bridge runs at once. @default 4 */
    maxConcurrentInvocations: z.number().int().min(1).max(1_000).default(4),
    /**
     * NSQ max_in_flight; must be ≥ maxMessages × maxConcurrentInvocations and ≤ the max_rdy_count every
     * nsqd reports (its --max-rdy-count; checked at connect). @default that product
     */
    maxInFlight: z.number().int().min(1).max(10_000_000).optional(),
    /** Deliveries before a message is dead-lettered. @default 5 */
    maxAttempts: z.number().int().min(1).max(65_535).default(5),
    requeue: requeuePolicySchema.default(() => requeuePolicySchema.parse({})),
    /** nsqd msg_timeout (IDENTIFY), 1 s to nsqd's --max-msg-timeout. @default 60_000 */
    msgTimeoutMs: z.number().int().min(1_000).default(60_000),
    /** How often in-flight messages are TOUCHed; must be < msgTimeoutMs. @default msgTimeoutMs / 3 */
    touchIntervalMs: z.number().int().min(100).optional(),
    /** Remote on/off switch. */
    toggle: toggleSettingsSchema.default(() => toggleSettingsSchema.parse({})),
    filters: filtersSchema.optional(),
    /** A message matching no filter: FINished without invoking, or dead-lettered (reasonKind `filtered`). @default 'finish' */
    onFilteredOut: z.enum(['finish', 'deadLetter']).default('finish'),
    /**
     * A message older than this (by its NSQ timestamp) when received, or when it would be retried, is never
     * invoked (MaximumRecordAgeInSeconds of the stream mappings). Unset: no limit.
     */
    maxRecordAgeMs: z.number().int().min(1_000).optional(),
    /** An expired message: dead-lettered (reasonKind `expired`) or dropped (FINished, counted). @default 'deadLetter' */
    onExpired: z.enum(['deadLetter', 'drop']).default('deadLetter'),
    rateLimit: rateLimitSchema.optional(),
  })
  .strict();

export type SubscriptionSettingsInput = z.input<typeof subscriptionSettingsSchema>;
export type SubscriptionSettings = z.output<typeof subscriptionSettingsSchema>;
export type RequeuePolicy = z.output<typeof requeuePolicySchema>;
export type ToggleSettings = z.output<typeof toggleSettingsSchema>;
export type RateLimitSettings = z.output<typeof rateLimitSchema>;

/** The burst of a rate limit, default resolved. */
export function rateLimitBurst(r: RateLimitSettings): number {
  return r.burst ?? Math.max(1, Math.ceil(r.messagesPerSecond));
}

/** What one of `taskCount` bridge tasks enforces: the rate and the burst divided among them (burst ≥ 1). */
export function perTaskRateLimit(
  r: RateLimitSettings,
  taskCount: number,
): { readonly messagesPerSecond: number; readonly burst: number } {
  return {
    messagesPerSecond: r.messagesPerSecond / taskCount,
    burst: Math.max(1, Math.round(rateLimitBurst(r) / taskCount)),
  };
}

/** Headers the bridge sets itself on every HTTP request: a target's `headers` may not set them. */
export const RESERVED_HTTP_HEADERS: readonly string[] = [
  SIGNATURE_HEADER,
  IDEMPOTENCY_KEY_HEADER,
  'content-type',
  'content-length',
  'transfer-encoding',
  'host',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
];

/** RFC 9110 field-name (a token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** A field value without control characters other than tab (no CR/LF header injection). */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** Plain HTTP is allowed only to this machine (local development and tests). */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '[::1]']);
const SECRETS_MANAGER_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Whether `signingSecret` names a Secrets Manager secret (else it names an env var). */
export function isSecretsManagerArn(ref: string): boolean {
  return ref.startsWith('arn:');
}

/**
 * An HTTP(S) function target (an edge runtime: Cloudflare Workers, Deno Deploy, Vercel, workerd locally):
 * the bridge POSTs the batch event there, signed (shared/edge/signature.ts), and reads the batch result
 * from the response body.
 */
export const httpTargetSchema = z
  .object({
    type: z.literal('http'),
    /** https://…; plain http only to 127.0.0.1, localhost or [::1]. No user:password@ (it would be logged). */
    url: z.string().superRefine((value, ctx) => {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be an absolute URL' });
        return;
      }
      if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)))
        ctx.addIssue({
          code: 'custom',
          message: `must be https:// (plain http only to 127.0.0.1, localhost or [::1]), got ${url.protocol}//${url.host}`,
        });
      if (url.username !== '' || url.password !== '')
        ctx.addIssue({
          code: 'custom',
          message: 'must not carry credentials (user:password@): put a token in `headers`',
        });
      if (url.hash !== '') ctx.addIssue({ code: 'custom', message: 'must not have a #fragment' });
    }),
    /**
     * Where the HMAC signing secret is: a Secrets Manager ARN, or the name of an env var. Its value is the
     * secret, or during a rotation a JSON array `["new", "old"]` or `{"current": "new", "previous": "old"}`:
     * every request is then signed with both. Read once at start-up, never logged.
     */
    signingSecret: z
      .string()
      .refine((v) => SECRETS_MANAGER_ARN.test(v) || (!v.startsWith('arn:') && ENV_NAME.test(v)), {
        message: 'must be a Secrets Manager ARN (arn:aws:secretsmanager:…:secret:…) or an env var name',
      }),
    /** Total time for one request and its response (then: ambiguous). @default functionTimeoutMs + 10_000 */
    timeoutMs: z.number().int().min(1_000).max(900_000).optional(),
    /** Extra request headers (e.g. a platform's own access token); the signature headers are the bridge's. */
    headers: z
      .record(z.string(), z.string())
      .default({})
      .superRefine((headers, ctx) => {
        for (const [name, value] of Object.entries(headers)) {
          if (!HEADER_NAME.test(name))
            ctx.addIssue({
              code: 'custom',
              message: `${JSON.stringify(name)} is not a valid header name`,
              path: [name],
            });
          else if (RESERVED_HTTP_HEADERS.includes(name.toLowerCase()))
            ctx.addIssue({
              code: 'custom',
              message: `${JSON.stringify(name)} is set by the bridge and cannot be overridden`,
              path: [name],
            });
          if (!HEADER_VALUE.test(value))
            ctx.addIssue({
              code: 'custom',
              message: 'header value must not contain control characters (CR, LF, NUL…)',
              path: [name],
            });
        }
      }),
  })
  .strict();

export type HttpTargetInput = z.input<typeof httpTargetSchema>;
export type HttpTarget = z.output<typeof httpTargetSchema>;
