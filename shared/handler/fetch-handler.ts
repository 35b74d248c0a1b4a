/**
 * The fetch-style adapter of the handler kit, for edge runtimes (Cloudflare Workers / workerd, Deno,
 * Vercel) and anything else that speaks `Request` → `Response`:
 *
 *   const fetchHandler = toFetchHandler(handler, { signingSecrets: [env.NSQ_LAMBDA_SIGNING_SECRET] });
 *   export default { fetch: (request) => fetchHandler(request) };
 *
 * Per request: the signature and its timestamp are checked first (shared/edge/signature.ts); a request
 * that fails either gets 401 with a JSON reason and runs nothing. Then the body is parsed as the batch
 * event (shared/contract) and the same middy handler as on Lambda runs (toggle, rate limit, dedupe,
 * observability, validation). The answer is the per-message result as JSON. Statuses (docs/edge.md):
 *
 *   200 the batch result · 400 not a batch event · 401 signature missing, malformed, stale or wrong
 *   405 not POST · 413 body over maxBodyBytes · 422 the handler threw (a function error, as on Lambda)
 *
 * Only Web APIs (Request, Response, Web Crypto, TextDecoder): no node: imports.
 */
import type { Context } from 'aws-lambda';
import { type NsqBatchEvent, nsqBatchEventSchema } from '#shared/contract/batch-event';
import { IDEMPOTENCY_KEY_HEADER, SIGNATURE_HEADER, verifyRequest } from '#shared/edge/signature';
import { formatZodIssues } from '#shared/zod-issues';
import type { NsqMiddyHandler } from './nsq-handler.ts';

export interface FetchHandlerOptions {
  /** The secrets this function accepts: one, or two during a rotation (old and new). */
  readonly signingSecrets: readonly string[];
  /** How far the signature's timestamp may be from this clock, either way. @default 300 (5 minutes) */
  readonly toleranceSec?: number;
  /**
   * The time the batch may take, like a Lambda timeout: the handler's `remainingTimeMs()` counts down
   * from it and the kit answers with what is done `deadlineMarginMs` before it. Keep it below the
   * subscription's `timeoutMs`. @default 30_000
   */
  readonly timeoutMs?: number;
  /** The name in the handler's context. @default the event's subscription */
  readonly functionName?: string;
  /** Largest request body read. @default 6 MiB (Lambda's synchronous payload limit) */
  readonly maxBodyBytes?: number;
  /** The clock, ms since the epoch. @default Date.now */
  readonly now?: () => number;
}

export type FetchHandler = (request: Request) => Promise<Response>;

export const DEFAULT_MAX_BODY_BYTES = 6 * 1024 * 1024;

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

function fetchContext(
  functionName: string,
  requestId: string,
  deadlineMs: number,
  now: () => number,
): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: '',
    memoryLimitInMB: '0',
    awsRequestId: requestId,
    logGroupName: '',
    logStreamName: '',
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

function parseEvent(bytes: Uint8Array): { ok: true; event: NsqBatchEvent } | { ok: false; problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    return {
      ok: false,
      problem: `body is not UTF-8 JSON: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  const parsed = nsqBatchEventSchema.safeParse(value);
  if (!parsed.success) {
    const problems = formatZodIssues(parsed.error.issues.slice(0, 10)).join('; ');
    return { ok: false, problem: `not an nsq-lambda batch event: ${problems}` };
  }
  return { ok: true, event: parsed.data };
}

/** Wraps a kit handler (nsqHandler(...).use(...)) as `(request) => Promise<Response>`. */
export function toFetchHandler(handler: NsqMiddyHandler, options: FetchHandlerOptions): FetchHandler {
  if (options.signingSecrets.length === 0 || options.signingSecrets.some((s) => s === '')) {
    throw new Error('toFetchHandler: signingSecrets must hold one or two non-empty secrets');
  }
  const timeoutMs = options.timeoutMs ?? 30_000;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) {
    throw new RangeError(`toFetchHandler: timeoutMs must be an integer ≥ 1, got ${timeoutMs}`);
  }
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const now = options.now ?? Date.now;
  return async (request) => {
    if (request.method !== 'POST') {
      return json(405, { error: 'method not allowed', detail: 'POST the batch event' }, { allow: 'POST' });
    }
    const declared = Number(request.headers.get('content-length') ?? '0');
    if (declared > maxBodyBytes) {
      return json(413, { error: 'request too large', detail: `${declared} bytes > ${maxBodyBytes}` });
    }
    const body = new Uint8Array(await request.arrayBuffer());
    if (body.length > maxBodyBytes) {
      return json(413, { error: 'request too large', detail: `${body.length} bytes > ${maxBodyBytes}` });
    }
    const check = await verifyRequest({
      header: request.headers.get(SIGNATURE_HEADER),
      body,
      secrets: options.signingSecrets,
      nowSec: Math.floor(now() / 1000),
      ...(options.toleranceSec !== undefined && { toleranceSec: options.toleranceSec }),
    });
    if (!check.ok) {
      return json(401, { error: 'unauthorized', reason: check.reason, detail: check.detail });
    }
    const parsed = parseEvent(body);
    if (!parsed.ok) return json(400, { errorType: 'InvalidBatchEvent', errorMessage: parsed.problem });
    const event = parsed.event;
    const requestId = request.headers.get(IDEMPOTENCY_KEY_HEADER) ?? event.batchId;
    const context = fetchContext(
      options.functionName ?? event.subscription,
      requestId,
      now() + timeoutMs,
      now,
    );
    try {
      return json(200, await handler(event, context));
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      return json(422, { errorType: error.name, errorMessage: error.message });
    }
  };
}

/** The binding holding the signing secret, and the one holding the previous secret during a rotation. */
export const SIGNING_SECRET_ENV = 'NSQ_LAMBDA_SIGNING_SECRET';
export const PREVIOUS_SIGNING_SECRET_ENV = 'NSQ_LAMBDA_SIGNING_SECRET_PREVIOUS';

/** The secrets from an edge function's bindings (Cloudflare `env`, Deno.env, process.env). */
export function signingSecretsFrom(env: Readonly<Record<string, unknown>>): string[] {
  const current = env[SIGNING_SECRET_ENV];
  const previous = env[PREVIOUS_SIGNING_SECRET_ENV];
  if (typeof current !== 'string' || current === '') {
    throw new Error(`${SIGNING_SECRET_ENV} is not set: the function cannot verify the bridge's requests`);
  }
  return typeof previous === 'string' && previous !== '' ? [current, previous] : [current];
}
