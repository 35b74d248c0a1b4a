/**
 * Classifies what an HTTP(S) function endpoint answered (or how the request failed) into an
 * InvokeResult, with the same meaning as a Lambda Invoke's (bridge/src/lambda/invoke-outcome.ts). Pure
 * functions, no undici import: the table is docs/contract.md's "HTTP targets" table, tested row by row.
 *
 * The question behind every rule is the Lambda one: could the handler have run? A 401/403 (the
 * endpoint refused the signature), a refused connection or a DNS failure prove it did not; a 408, a
 * 5xx, a timeout or a reset mid-request may hide a run, so they are 'ambiguous'.
 */
import { MAX_ERROR_MESSAGE_CHARS } from '../lambda/invoke-outcome.ts';
import type { InvokeResult, SIGNATURE_REJECTIONS } from '../ports.ts';
import { firstErrorCode, SOCKET_NOT_CONNECTED_CODES } from '../socket-errors.ts';

/** errorType of a 401 / 403: the endpoint refused the request (signature, token); the handler did not run. */
export const HTTP_UNAUTHORIZED = 'HttpUnauthorized' satisfies keyof typeof SIGNATURE_REJECTIONS;
export const HTTP_FORBIDDEN = 'HttpForbidden' satisfies keyof typeof SIGNATURE_REJECTIONS;
/** Characters of a reply body kept in a function error's reason. */
export const REASON_BODY_CHARS = 512;

/** A response as the invoker read it. Header names are lower case (as Node and undici give them). */
export interface HttpReply {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Uint8Array;
}

/** The endpoint refused to run the handler (401/403): counted and logged loudly, never dead-lettered for. */
export function isAuthRejection(
  result: InvokeResult,
): result is Extract<InvokeResult, { kind: 'notExecuted' }> {
  return (
    result.kind === 'notExecuted' &&
    (result.errorType === HTTP_UNAUTHORIZED || result.errorType === HTTP_FORBIDDEN)
  );
}

function header(reply: HttpReply, name: string): string | undefined {
  const value = reply.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Retry-After as milliseconds from `nowMs`: delta-seconds (`120`) or an HTTP date; a date in the past is 0.
 * Undefined when absent or unreadable.
 */
export function retryAfterMs(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1_000;
  if (!/[a-z]/i.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

function bodyStart(body: Uint8Array, chars: number): string {
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  const trimmed = text.trim();
  return trimmed.length > chars ? `${trimmed.slice(0, chars)}…` : trimmed;
}

/** A reply that arrived in full. `where` names the endpoint (origin and path, never a secret) in messages. */
export function classifyReply(
  reply: HttpReply,
  durationMs: number,
  nowMs: number,
  where: string,
): InvokeResult {
  const { status } = reply;
  const requestId = header(reply, 'x-request-id') ?? header(reply, 'cf-ray');
  const described = (what: string) => {
    const start = bodyStart(reply.body, REASON_BODY_CHARS);
    return `HTTP ${status} from ${where}: ${start === '' ? what : start}`;
  };
  if (status >= 200 && status < 300) {
    return { kind: 'ok', payload: reply.body, durationMs, ...(requestId ? { requestId } : {}) };
  }
  const after = retryAfterMs(header(reply, 'retry-after'), nowMs);
  if (status === 429 || (status === 503 && after !== undefined)) {
    return {
      kind: 'throttled',
      reason: `HTTP ${status}`,
      durationMs,
      ...(after === undefined ? {} : { retryAfterMs: after }),
    };
  }
  if (status === 413) return { kind: 'tooLarge', message: described('request too large'), durationMs };
  if (status === 401 || status === 403) {
    return {
      kind: 'notExecuted',
      errorType: status === 401 ? HTTP_UNAUTHORIZED : HTTP_FORBIDDEN,
      message: described('the endpoint refused the request signature'),
      durationMs,
      keepsAttempts: true,
    };
  }
  if (status === 408 || status >= 500) {
    return { kind: 'ambiguous', errorType: `Http${status}`, message: described('no body'), durationMs };
  }
  if (status >= 400) {
    return {
      kind: 'functionError',
      errorType: `Http${status}`,
      errorMessage: described('no body').slice(0, MAX_ERROR_MESSAGE_CHARS),
      durationMs,
      ...(requestId ? { requestId } : {}),
    };
  }
  // 1xx/3xx as a final answer: redirects are not followed (the URL is wrong), the handler did not run.
  return {
    kind: 'notExecuted',
    errorType: `Http${status}`,
    message: `${described('no body')} (redirects are not followed: fix target.url)`,
    durationMs,
  };
}

/** undici and Node error codes proving that no request reached a server. */
const NOT_CONNECTED_CODES: ReadonlySet<string> = new Set([
  ...SOCKET_NOT_CONNECTED_CODES,
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_HAS_EXPIRED',
]);

interface ErrorLike {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly code?: unknown;
  readonly cause?: unknown;
}

/** Why a request failed before a full reply arrived, as the invoker saw it. */
export interface RequestFailure {
  readonly error: unknown;
  /** The request's own deadline (timeoutMs) passed. */
  readonly timedOut: boolean;
  /** The caller's signal fired (the drain deadline). */
  readonly aborted: boolean;
}

/** A request that failed: refused or unresolvable → notExecuted; a deadline, abort or reset → ambiguous. */
export function classifyFailure(failure: RequestFailure, durationMs: number, where: string): InvokeResult {
  const err: ErrorLike =
    failure.error !== null && typeof failure.error === 'object' ? (failure.error as ErrorLike) : {};
  const message = `${where}: ${typeof err.message === 'string' ? err.message : String(failure.error)}`;
  const code = firstErrorCode(failure.error);
  if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') {
    // As Lambda's Function.ResponseSizeTooLarge: the handler ran, its answer is unusable.
    return {
      kind: 'functionError',
      errorType: 'ResponseSizeTooLarge',
      errorMessage: `the reply from ${message}`,
      durationMs,
    };
  }
  if (failure.timedOut) {
    return {
      kind: 'ambiguous',
      errorType: 'Timeout',
      message: `no reply in time from ${message}`,
      durationMs,
    };
  }
  if (failure.aborted) {
    return { kind: 'ambiguous', errorType: 'Aborted', message: `request aborted: ${message}`, durationMs };
  }
  if (code !== undefined && NOT_CONNECTED_CODES.has(code)) {
    return { kind: 'notExecuted', errorType: code, message, durationMs };
  }
  const name = typeof err.name === 'string' ? err.name : 'Error';
  return { kind: 'ambiguous', errorType: code ?? name, message, durationMs };
}
