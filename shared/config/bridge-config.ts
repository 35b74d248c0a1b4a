/**
 * The bridge's runtime config: one zod schema (`.strict()`), loaded from env `NSQ_LAMBDA_CONFIG` (JSON)
 * and/or the file named by `NSQ_LAMBDA_CONFIG_FILE` (JSON), env overriding the file per top-level key.
 * Secrets never live in the JSON: the NSQ auth secret comes from env `NSQ_AUTH_SECRET`, the Upstash
 * token from env `UPSTASH_REDIS_REST_TOKEN`. `loadBridgeConfig` reports every problem at once in a
 * `ConfigError`. Documented in docs/bridge.md.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { MAX_REQUEUE_DELAY_MS } from '#shared/contract/batch-result';
import { ConfigError } from '#shared/errors';
import type { FunctionDefinition } from '#shared/functions/definition';
import { formatZodIssue, formatZodIssues } from '#shared/zod-issues';
import { claimCheckConfigSchema, claimCheckOverlapProblem } from './claim-check-config.ts';
import {
  type HttpTarget,
  httpTargetSchema,
  perTaskRateLimit,
  subscriptionSettingsSchema,
} from './subscription.ts';

/**
 * The drain deadline (`drain.deadlineMs`) when none is set: the one default for the bridge and for infra/
 * (which passes its own `drainDeadlineMs` to the bridge and derives ECS's stopTimeout from it). 90 s
 * leaves the bridge 15 s to exit before Fargate's 120 s SIGKILL.
 */
export const DEFAULT_DRAIN_DEADLINE_MS = 90_000;
/** Added to the function's timeout to get the default invocation timeout. */
export const INVOCATION_TIMEOUT_MARGIN_MS = 10_000;

const hostPortSchema = z.string().regex(/^(\[[0-9a-fA-F:]+\]|[^\s:/[\]]+):\d{1,5}$/, 'must be host:port');
const httpAddressSchema = z
  .string()
  .regex(/^(https?:\/\/)?[^\s/]+(:\d{1,5})?(\/.*)?$/, 'must be host:port or an http(s) URL');

/** A PEM value: inline (starts with `-----BEGIN`) or a file path read at start-up. */
const pemSchema = z.string().min(1);

export const tlsConfigSchema = z
  .object({
    /** Ask nsqd for TLS; a connection where nsqd does not grant it is refused (never plaintext). @default false */
    enabled: z.boolean().default(false),
    ca: pemSchema.optional(),
    cert: pemSchema.optional(),
    key: pemSchema.optional(),
    /** SNI and the name checked against the certificate. @default the nsqd host */
    servername: z.string().min(1).optional(),
    /** @default true */
    rejectUnauthorized: z.boolean().default(true),
  })
  .strict();

export const deadLetterConfigSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('s3'),
      bucket: z.string().min(3).max(63),
      /** @default 'dead-letters' */
      prefix: z.string().default('dead-letters'),
      region: z.string().min(1).optional(),
      /** An S3-compatible endpoint (MinIO locally); path-style addressing is used when set. */
      endpoint: z.url().optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('nsq'),
      topic: subscriptionSettingsSchema.shape.topic,
      /** nsqd HTTP addresses the records are published to (/mpub), tried in order. */
      nsqdHttpAddresses: z.array(httpAddressSchema).min(1),
    })
    .strict(),
]);

export const bridgeSubscriptionSchema = subscriptionSettingsSchema
  .extend({
    /** Unique within the bridge; used in metrics, logs, the event's `subscription` and dead-letter keys. */
    name: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[a-zA-Z0-9._-]+$/, 'must be letters, digits, dot, dash or underscore'),
    /**
     * The Lambda function to invoke: name or ARN. Required unless `target` is an HTTP endpoint; there it
     * only names the function in toggles and dead letters. @default (HTTP target) the subscription's name
     */
    functionName: z.string().min(1).max(170).optional(),
    /** An HTTP(S) endpoint to POST batches to instead of a Lambda function (docs/bridge.md). */
    target: httpTargetSchema.optional(),
    /** The name whose remote toggle this subscription follows (shared/toggle/keys.ts). @default functionName */
    toggleName: z.string().min(1).max(170).optional(),
    /** The function's own timeout. @default 30_000 */
    functionTimeoutMs: z.number().int().min(1_000).max(900_000).default(30_000),
    /**
     * How long one Invoke may take before it counts as ambiguous. @default functionTimeoutMs + 10_000
     * (an HTTP target sets it with `target.timeoutMs` instead)
     */
    invocationTimeoutMs: z.number().int().min(1_000).optional(),
    /** Overrides the global nsqd TCP addresses for this subscription. */
    nsqdTcpAddresses: z.array(hostPortSchema).optional(),
    /** Overrides the global nsqlookupd HTTP addresses for this subscription. */
    lookupdHttpAddresses: z.array(httpAddressSchema).optional(),
  })
  .strict();

export const bridgeConfigSchema = z
  .object({
    nsqdTcpAddresses: z.array(hostPortSchema).default([]),
    lookupdHttpAddresses: z.array(httpAddressSchema).default([]),
    /** How often every nsqlookupd is queried (with ±20 % jitter). @default 15_000 */
    lookupdPollIntervalMs: z.number().int().min(1_000).default(15_000),
    /** Per-request timeout of a lookupd query. @default 5_000 */
    lookupdTimeoutMs: z.number().int().min(100).default(5_000),
    /** nsqd's --max-req-timeout; REQ delays are clamped to it. @default 3_600_000 */
    maxReqTimeoutMs: z.number().int().min(1_000).max(MAX_REQUEUE_DELAY_MS).default(MAX_REQUEUE_DELAY_MS),
    /** nsqd's --max-msg-timeout: TOUCH cannot keep a message beyond it. @default 900_000 */
    maxMsgTimeoutMs: z.number().int().min(1_000).default(900_000),
    /** IDENTIFY heartbeat_interval; the idle timeout is 3× this. @default 10_000 */
    heartbeatIntervalMs: z.number().int().min(1_000).max(60_000).default(10_000),
    /**
     * IDENTIFY output_buffer_timeout: how long nsqd may hold messages before writing them to the bridge.
     * nsqd's own default is 250 ms, which adds ~125 ms of latency at low load; at saturation the buffer
     * fills first, so a short timeout costs nothing. Must be ≥ nsqd's --min-output-buffer-timeout (25 ms
     * by default), or nsqd refuses the connection. @default 25
     */
    outputBufferTimeoutMs: z.number().int().min(1).max(30_000).default(25),
    tls: tlsConfigSchema.default(() => tlsConfigSchema.parse({})),
    lambda: z
      .object({
        /** @default 'us-east-1' */
        region: z.string().min(1).default('us-east-1'),
        /** A Lambda-compatible endpoint (the local Lambda server); unset means AWS. */
        endpoint: z.url().optional(),
      })
      .strict()
      .default({ region: 'us-east-1' }),
    deadLetter: deadLetterConfigSchema,
    /** Claim checks (claim-check-config.ts): store large bodies in S3, send a pointer. @default - off */
    claimCheck: claimCheckConfigSchema.optional(),
    toggles: z
      .object({
        /** Upstash REST URL; env UPSTASH_REDIS_REST_URL overrides. Unset: toggles are not read. */
        url: z.url().optional(),
        /** How often the bridge reads each toggle (policy 'requeue'). @default 1_000 */
        pollIntervalMs: z.number().int().min(100).max(1_000).default(1_000),
      })
      .strict()
      .default({ pollIntervalMs: 1_000 }),
    http: z
      .object({
        /** @default '127.0.0.1' (set '0.0.0.0' in a container) */
        host: z.string().min(1).default('127.0.0.1'),
        /** @default 8080 */
        port: z.number().int().min(0).max(65_535).default(8080),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 8080 }),
    drain: z
      .object({
        /** Time allowed to finish in-flight invocations after SIGTERM; keep it below the ECS stopTimeout. @default DEFAULT_DRAIN_DEADLINE_MS (90_000) */
        deadlineMs: z.number().int().min(0).max(3_600_000).default(DEFAULT_DRAIN_DEADLINE_MS),
      })
      .strict()
      .default({ deadlineMs: DEFAULT_DRAIN_DEADLINE_MS }),
    /**
     * Backlog metrics for autoscaling (channel depth + deferred + in flight from nsqd /stats, published as
     * gauges and the EMF metric `Backlog`). nsqd's HTTP addresses come from nsqlookupd, or from
     * `nsqdHttpAddresses` for subscriptions that use direct TCP addresses.
     */
    backlog: z
      .object({
        /** 0 turns the monitor off. @default 15_000 */
        intervalMs: z.number().int().min(0).default(15_000),
        /** nsqd HTTP addresses to read /stats from when no nsqlookupd is configured. */
        nsqdHttpAddresses: z.array(httpAddressSchema).default([]),
      })
      .strict()
      .default({ intervalMs: 15_000, nsqdHttpAddresses: [] }),
    /**
     * How many bridge tasks share each subscription's `rateLimit`: each task enforces messagesPerSecond
     * and burst divided by it. infra/ sets it to the service's maxTaskCount. @default 1
     */
    rateLimitTaskCount: z.number().int().min(1).max(10_000).default(1),
    /**
     * Scale to zero (docs/bridge.md, "Idle exit"): the bridge drains and exits with code 0 once every
     * subscription has had nothing in flight, nothing queued and an nsqd backlog of 0 (depth + deferred +
     * in flight, from /stats) at every check for `afterMs`. Needs the backlog monitor (`backlog.intervalMs`
     * > 0, at most `afterMs`). @default - off: the bridge runs until stopped
     */
    idleExit: z
      .object({
        afterMs: z.number().int().min(1_000),
        /**
         * The ECS service the bridge runs as: on idle exit it sets the desired count to 0 first, so ECS
         * does not start a replacement (the waker sets it back to 1 when a topic has messages). Unset: the
         * bridge only exits (a process supervisor decides what follows).
         */
        ecsService: z
          .object({
            cluster: z.string().min(1),
            service: z.string().min(1),
            region: z.string().min(1).optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    subscriptions: z.array(bridgeSubscriptionSchema).min(1),
  })
  .strict();

export type BridgeConfigInput = z.input<typeof bridgeConfigSchema>;
type ParsedBridgeConfig = z.output<typeof bridgeConfigSchema>;
type ParsedSubscription = z.output<typeof bridgeSubscriptionSchema>;

/** A subscription with every default resolved. */
export interface BridgeSubscription
  extends Omit<
    ParsedSubscription,
    | 'maxInFlight'
    | 'touchIntervalMs'
    | 'invocationTimeoutMs'
    | 'nsqdTcpAddresses'
    | 'lookupdHttpAddresses'
    | 'functionName'
    | 'target'
  > {
  /** The Lambda function (name or ARN); for an HTTP target, the name used in toggles and dead letters. */
  readonly functionName: string;
  /** Set when the subscription's function is an HTTP endpoint instead of Lambda. */
  readonly target?: HttpTarget;
  readonly maxInFlight: number;
  readonly touchIntervalMs: number;
  readonly invocationTimeoutMs: number;
  /** The channel as sent in SUB (with `#ephemeral` when `ephemeral`). */
  readonly channelName: string;
  readonly nsqdTcpAddresses: readonly string[];
  readonly lookupdHttpAddresses: readonly string[];
  /** `rateLimit` as this task enforces it: divided by `rateLimitTaskCount`, burst resolved. */
  readonly rateLimitPerTask?: { readonly messagesPerSecond: number; readonly burst: number };
}

export interface BridgeSecrets {
  /** env NSQ_AUTH_SECRET */
  readonly nsqAuthSecret?: string;
  /** env UPSTASH_REDIS_REST_TOKEN */
  readonly upstashToken?: string;
}

export interface BridgeConfig extends Omit<ParsedBridgeConfig, 'subscriptions' | 'tls'> {
  readonly subscriptions: readonly BridgeSubscription[];
  readonly tls: ParsedBridgeConfig['tls'] & {
    /** PEM contents (files read at load time). */
    readonly caPem?: string;
    readonly certPem?: string;
    readonly keyPem?: string;
  };
  /** Never logged: `JSON.stringify` and `util.inspect` show `[redacted]`. */
  readonly secrets: BridgeSecrets;
}

/** Effective invocation timeout: as configured (target.timeoutMs for HTTP), else functionTimeoutMs + 10 s. */
function invocationTimeoutOf(
  s: Pick<ParsedSubscription, 'invocationTimeoutMs' | 'functionTimeoutMs' | 'target'>,
): number {
  return (
    (s.target ? s.target.timeoutMs : s.invocationTimeoutMs) ??
    s.functionTimeoutMs + INVOCATION_TIMEOUT_MARGIN_MS
  );
}

/** Effective maxInFlight: as configured, else maxMessages × maxConcurrentInvocations. */
function defaultMaxInFlight(s: Pick<ParsedSubscription, 'maxMessages' | 'maxConcurrentInvocations'>) {
  return s.maxMessages * s.maxConcurrentInvocations;
}

type Ctx = { addIssue(issue: { code: 'custom'; message: string; path: PropertyKey[] }): void };

function subscriptionRules(
  s: ParsedSubscription,
  index: number,
  global: { maxMsgTimeoutMs: number; maxReqTimeoutMs: number; rateLimitTaskCount: number },
  ctx: Ctx,
): void {
  const at = (...p: PropertyKey[]) => ['subscriptions', index, ...p];
  const add = (message: string, ...p: PropertyKey[]) =>
    ctx.addIssue({ code: 'custom', message, path: at(...p) });
  // nsqd's max RDY (--max-rdy-count) is checked per connection against the max_rdy_count its IDENTIFY
  // response reports (bridge/src/nsq/identify-limits.ts), not against a guess here.
  const maxInFlight = s.maxInFlight ?? defaultMaxInFlight(s);
  if (maxInFlight < s.maxMessages)
    add(`maxInFlight (${maxInFlight}) must be ≥ maxMessages (${s.maxMessages})`, 'maxInFlight');
  else if (maxInFlight < s.maxMessages * s.maxConcurrentInvocations)
    add(
      `maxInFlight (${maxInFlight}) must be ≥ maxMessages × maxConcurrentInvocations (${s.maxMessages * s.maxConcurrentInvocations})`,
      'maxInFlight',
    );
  const touch = s.touchIntervalMs ?? Math.floor(s.msgTimeoutMs / 3);
  if (touch >= s.msgTimeoutMs)
    add(`touchIntervalMs (${touch}) must be < msgTimeoutMs (${s.msgTimeoutMs})`, 'touchIntervalMs');
  if (s.msgTimeoutMs > global.maxMsgTimeoutMs)
    add(
      `msgTimeoutMs (${s.msgTimeoutMs}) exceeds nsqd's --max-msg-timeout (maxMsgTimeoutMs ${global.maxMsgTimeoutMs}); IDENTIFY would fail`,
      'msgTimeoutMs',
    );
  if (s.target === undefined && s.functionName === undefined)
    add('functionName is required (or set `target` to an HTTP endpoint)', 'functionName');
  if (s.target !== undefined && s.invocationTimeoutMs !== undefined)
    add(
      'an HTTP target sets its deadline with target.timeoutMs, not invocationTimeoutMs',
      'invocationTimeoutMs',
    );
  const invocation = invocationTimeoutOf(s);
  // An HTTP endpoint has no separate function timeout: target.timeoutMs is its only deadline.
  if (s.target === undefined && invocation <= s.functionTimeoutMs)
    add(
      `invocationTimeoutMs (${invocation}) must be above functionTimeoutMs (${s.functionTimeoutMs}), or a slow invocation is abandoned while it runs`,
      'invocationTimeoutMs',
    );
  if (invocation + s.maxWaitMs >= global.maxMsgTimeoutMs)
    add(
      `invocationTimeoutMs + maxWaitMs (${invocation + s.maxWaitMs}) must be below nsqd's --max-msg-timeout (maxMsgTimeoutMs ${global.maxMsgTimeoutMs}): TOUCH cannot keep a message longer`,
      'invocationTimeoutMs',
    );
  if (s.requeue.maxDelayMs > global.maxReqTimeoutMs)
    add(
      `requeue.maxDelayMs (${s.requeue.maxDelayMs}) exceeds nsqd's --max-req-timeout (maxReqTimeoutMs ${global.maxReqTimeoutMs})`,
      'requeue',
      'maxDelayMs',
    );
  if (s.rateLimit) {
    // Messages wait for their token while in flight: the most that can wait (maxInFlight) must get through
    // at the task's rate before nsqd's --max-msg-timeout, with time left to invoke them.
    const perTaskRate = s.rateLimit.messagesPerSecond / global.rateLimitTaskCount;
    const holdMs = Math.ceil((maxInFlight / perTaskRate) * 1000);
    if (holdMs + invocation >= global.maxMsgTimeoutMs)
      add(
        `at ${perTaskRate} messages/s per task, maxInFlight (${maxInFlight}) messages wait up to ${holdMs} ms for their turn; with invocationTimeoutMs that passes nsqd's --max-msg-timeout (maxMsgTimeoutMs ${global.maxMsgTimeoutMs}): lower maxInFlight or raise the rate`,
        'rateLimit',
      );
  }
  const channel = s.ephemeral ? `${s.channel}#ephemeral` : s.channel;
  if (channel.length > 64) add(`channel with #ephemeral is ${channel.length} characters (max 64)`, 'channel');
  if (s.ephemeral && s.channel.endsWith('#ephemeral'))
    add('channel already ends with #ephemeral; set either ephemeral: true or the suffix', 'channel');
}

/** Cross-subscription rules that need only loosely typed input, so they run even when parsing failed. */
function globalRules(raw: unknown, ctx: Ctx): void {
  if (typeof raw !== 'object' || raw === null) return;
  const r = raw as Record<string, unknown>;
  const subs = Array.isArray(r.subscriptions) ? (r.subscriptions as unknown[]) : [];
  const globalNsqd = Array.isArray(r.nsqdTcpAddresses) ? r.nsqdTcpAddresses.length : 0;
  const hasList = (v: unknown) => Array.isArray(v) && v.length > 0;
  const globalAddresses = hasList(r.nsqdTcpAddresses) || hasList(r.lookupdHttpAddresses);
  const idle = r.idleExit as { afterMs?: unknown } | undefined;
  const backlog = r.backlog as { intervalMs?: unknown } | undefined;
  const backlogIntervalMs = typeof backlog?.intervalMs === 'number' ? backlog.intervalMs : 15_000;
  if (typeof idle?.afterMs === 'number' && (backlogIntervalMs === 0 || backlogIntervalMs > idle.afterMs))
    ctx.addIssue({
      code: 'custom',
      message: `needs the backlog monitor to read nsqd at least once per afterMs (${idle.afterMs}): backlog.intervalMs is ${backlogIntervalMs}`,
      path: ['idleExit', 'afterMs'],
    });
  const overlap = claimCheckOverlapProblem(r);
  if (overlap !== undefined)
    ctx.addIssue({ code: 'custom', message: overlap, path: ['claimCheck', 'prefix'] });
  const names = new Map<string, number>();
  subs.forEach((s, i) => {
    if (typeof s !== 'object' || s === null) return;
    const sub = s as Record<string, unknown>;
    if (!globalAddresses && !hasList(sub.nsqdTcpAddresses) && !hasList(sub.lookupdHttpAddresses))
      ctx.addIssue({
        code: 'custom',
        message:
          'no nsqd TCP or nsqlookupd HTTP addresses: set nsqdTcpAddresses or lookupdHttpAddresses (globally or here)',
        path: ['subscriptions', i],
      });
    // As in parseBridgeConfig: an empty per-subscription list overrides nothing.
    const nsqdCount = hasList(sub.nsqdTcpAddresses)
      ? (sub.nsqdTcpAddresses as unknown[]).length
      : hasList(sub.lookupdHttpAddresses)
        ? 0
        : globalNsqd;
    if (typeof sub.maxInFlight === 'number' && nsqdCount > sub.maxInFlight)
      ctx.addIssue({
        code: 'custom',
        message: `maxInFlight (${sub.maxInFlight}) is below the number of nsqd addresses (${nsqdCount}): some connections would get RDY 0 and flap`,
        path: ['subscriptions', i, 'maxInFlight'],
      });
    if (typeof sub.name === 'string') {
      const first = names.get(sub.name);
      if (first !== undefined)
        ctx.addIssue({
          code: 'custom',
          message: `duplicate subscription name ${JSON.stringify(sub.name)} (also subscriptions.${first})`,
          path: ['subscriptions', i, 'name'],
        });
      else names.set(sub.name, i);
    }
  });
}

function nonEmpty<T>(list: readonly T[] | undefined): readonly T[] | undefined {
  return list !== undefined && list.length > 0 ? list : undefined;
}

function readPem(value: string | undefined, what: string, problems: string[]): string | undefined {
  if (value === undefined) return undefined;
  if (value.trimStart().startsWith('-----BEGIN')) return value;
  try {
    return readFileSync(value, 'utf8');
  } catch (err) {
    problems.push(`tls.${what}: cannot read PEM file ${JSON.stringify(value)} (${(err as Error).message})`);
    return undefined;
  }
}

function makeSecrets(values: BridgeSecrets): BridgeSecrets {
  const secrets = { ...values };
  Object.defineProperty(secrets, 'toJSON', { value: () => '[redacted]', enumerable: false });
  Object.defineProperty(secrets, Symbol.for('nodejs.util.inspect.custom'), {
    value: () => '[redacted]',
    enumerable: false,
  });
  return Object.freeze(secrets);
}

/**
 * Validates an already-assembled raw config object (no env or file reading). Throws `ConfigError`
 * listing every problem.
 */
export function parseBridgeConfig(raw: unknown, secrets: BridgeSecrets = {}): BridgeConfig {
  const problems: string[] = [];
  const ctx: Ctx = {
    addIssue: (i) => problems.push(formatZodIssue(i)),
  };
  const parsed = bridgeConfigSchema.safeParse(raw);
  if (!parsed.success) problems.push(...formatZodIssues(parsed.error.issues));
  globalRules(raw, ctx);
  // Cross-field rules per subscription that parsed on its own, so one bad subscription does not hide another's problems.
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const num = (v: unknown, d: number) => (typeof v === 'number' ? v : d);
  const global = {
    maxMsgTimeoutMs: num(r.maxMsgTimeoutMs, 900_000),
    maxReqTimeoutMs: num(r.maxReqTimeoutMs, MAX_REQUEUE_DELAY_MS),
    rateLimitTaskCount: Math.max(1, num(r.rateLimitTaskCount, 1)),
  };
  const rawSubs = Array.isArray(r.subscriptions) ? (r.subscriptions as unknown[]) : [];
  rawSubs.forEach((s, i) => {
    const one = bridgeSubscriptionSchema.safeParse(s);
    if (one.success) subscriptionRules(one.data, i, global, ctx);
  });
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);

  const data = parsed.data;
  const tls = {
    ...data.tls,
    ...(data.tls.ca !== undefined && { caPem: readPem(data.tls.ca, 'ca', problems) }),
    ...(data.tls.cert !== undefined && { certPem: readPem(data.tls.cert, 'cert', problems) }),
    ...(data.tls.key !== undefined && { keyPem: readPem(data.tls.key, 'key', problems) }),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  const subscriptions: BridgeSubscription[] = data.subscriptions.map((s) => ({
    ...s,
    maxInFlight: s.maxInFlight ?? defaultMaxInFlight(s),
    touchIntervalMs: s.touchIntervalMs ?? Math.floor(s.msgTimeoutMs / 3),
    functionName: s.functionName ?? s.name,
    invocationTimeoutMs: invocationTimeoutOf(s),
    channelName: s.ephemeral ? `${s.channel}#ephemeral` : s.channel,
    ...(s.rateLimit && { rateLimitPerTask: perTaskRateLimit(s.rateLimit, data.rateLimitTaskCount) }),
    // An empty per-subscription list overrides nothing (as in globalRules), so a subscription never ends up with no address.
    nsqdTcpAddresses:
      nonEmpty(s.nsqdTcpAddresses) ?? (nonEmpty(s.lookupdHttpAddresses) ? [] : data.nsqdTcpAddresses),
    lookupdHttpAddresses:
      nonEmpty(s.lookupdHttpAddresses) ?? (nonEmpty(s.nsqdTcpAddresses) ? [] : data.lookupdHttpAddresses),
  }));
  return { ...data, tls, subscriptions, secrets: makeSecrets(secrets) };
}

function parseJson(text: string, where: string, problems: string[]): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push(`${where}: must be a JSON object`);
      return undefined;
    }
    return value as Record<string, unknown>;
  } catch (err) {
    problems.push(`${where}: invalid JSON (${(err as Error).message})`);
    return undefined;
  }
}

/**
 * Loads the config from env: `NSQ_LAMBDA_CONFIG_FILE` (a JSON file) and/or `NSQ_LAMBDA_CONFIG` (JSON),
 * the env JSON overriding the file per top-level key; `UPSTASH_REDIS_REST_URL` overrides `toggles.url`.
 * Throws `ConfigError` listing every problem.
 */
export function loadBridgeConfig(env: NodeJS.ProcessEnv = process.env): BridgeConfig {
  const problems: string[] = [];
  const blank = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v);
  const file = blank(env.NSQ_LAMBDA_CONFIG_FILE);
  const inline = blank(env.NSQ_LAMBDA_CONFIG);
  if (!file && !inline)
    throw new ConfigError(['set NSQ_LAMBDA_CONFIG (JSON) and/or NSQ_LAMBDA_CONFIG_FILE (path)']);
  let fromFile: Record<string, unknown> | undefined;
  if (file) {
    let text: string | undefined;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      problems.push(
        `NSQ_LAMBDA_CONFIG_FILE: cannot read ${JSON.stringify(file)} (${(err as Error).message})`,
      );
    }
    if (text !== undefined) fromFile = parseJson(text, `NSQ_LAMBDA_CONFIG_FILE ${file}`, problems);
  }
  const fromEnv = inline ? parseJson(inline, 'NSQ_LAMBDA_CONFIG', problems) : undefined;
  if (problems.length > 0) throw new ConfigError(problems);
  const raw: Record<string, unknown> = { ...fromFile, ...fromEnv };
  const upstashUrl = blank(env.UPSTASH_REDIS_REST_URL);
  if (upstashUrl) {
    const toggles = typeof raw.toggles === 'object' && raw.toggles !== null ? raw.toggles : {};
    raw.toggles = { ...toggles, url: upstashUrl };
  }
  const nsqAuthSecret = blank(env.NSQ_AUTH_SECRET);
  const upstashToken = blank(env.UPSTASH_REDIS_REST_TOKEN);
  return parseBridgeConfig(raw, {
    ...(nsqAuthSecret && { nsqAuthSecret }),
    ...(upstashToken && { upstashToken }),
  });
}

/** Global settings for `bridgeConfigFromDefinitions`: everything except the subscriptions. */
export type BridgeGlobalsInput = Omit<BridgeConfigInput, 'subscriptions'>;

/**
 * Builds a raw bridge config from function definitions (shared/functions/loader.ts): one subscription per
 * (function, subscription), named `<function>` or `<function>-<topic>-<channel>` when a function has
 * several, invoking `functionNameOf(definition)` (default: the definition's name; infra passes the
 * deployed name or ARN). The function's `timeoutSec` becomes `functionTimeoutMs`. Validate the result
 * with `parseBridgeConfig` (or serialise it into NSQ_LAMBDA_CONFIG).
 */
export function bridgeConfigFromDefinitions(
  functions: readonly (FunctionDefinition | { readonly definition: FunctionDefinition })[],
  globals: BridgeGlobalsInput,
  functionNameOf: (definition: FunctionDefinition) => string = (d) => d.name,
): BridgeConfigInput {
  const subscriptions: BridgeConfigInput['subscriptions'] = [];
  for (const f of functions) {
    const definition = 'definition' in f ? f.definition : f;
    const many = definition.subscriptions.length > 1;
    for (const s of definition.subscriptions) {
      subscriptions.push({
        ...s,
        name: many ? `${definition.name}-${s.topic}-${s.channel}`.slice(0, 64) : definition.name,
        functionName: functionNameOf(definition),
        toggleName: definition.name,
        functionTimeoutMs: definition.timeoutSec * 1000,
      });
    }
  }
  return { ...globals, subscriptions };
}
