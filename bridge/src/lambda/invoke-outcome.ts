/**
 * Classifies what @aws-sdk/client-lambda returned or threw for one synchronous Invoke into an
 * InvokeResult: what it means for the messages in the batch. Pure functions, no SDK import, so the
 * rules are easy to read and the invoker stays a thin adapter.
 *
 * The one question behind every rule: could the function have run? If it provably did not
 * (throttle, 4xx, connection refused, Lambda's own environment-setup failures), no attempt was
 * spent; if it may have (socket reset, timeout, abort, 5xx), the outcome is 'ambiguous' and the
 * messages are requeued, relying on at-least-once delivery and idempotent handlers.
 */
import type { InvokeResult, PreflightResult } from '../ports.ts';
import { firstErrorCode, SOCKET_NOT_CONNECTED_CODES } from '../socket-errors.ts';

/** Longest errorMessage kept from a function error payload (it ends up in logs and dead letters). */
export const MAX_ERROR_MESSAGE_CHARS = 4_096;

/**
 * Service errors, returned with 5xx by Lambda, that are raised while preparing the execution
 * environment: the handler never ran. (API_Invoke error list; EFSIOException is left out on purpose,
 * because it can happen while the function runs.)
 */
const NOT_EXECUTED_ERRORS: ReadonlySet<string> = new Set([
  'CodeArtifactUserDeletedException',
  'CodeArtifactUserFailedException',
  'CodeArtifactUserPendingException',
  'EC2AccessDeniedException',
  'EC2ThrottledException',
  'EC2UnexpectedException',
  'EFSMountConnectivityException',
  'EFSMountFailureException',
  'EFSMountTimeoutException',
  'ENILimitReachedException',
  'ENINotReadyException',
  'InvalidRuntimeException',
  'InvalidSecurityGroupIDException',
  'InvalidSubnetIDException',
  'InvalidZipFileException',
  'KMSAccessDeniedException',
  'KMSDisabledException',
  'KMSInvalidStateException',
  'KMSNotFoundException',
  'RecursiveInvocationException',
  'ResourceNotReadyException',
  'S3FilesMountConnectivityException',
  'S3FilesMountFailureException',
  'S3FilesMountTimeoutException',
  'SnapStartException',
  'SnapStartNotReadyException',
  'SnapStartRegenerationFailureException',
  'SnapStartTimeoutException',
  'SubnetIPAddressLimitReachedException',
  // Raised by the SDK before anything is sent.
  'CredentialsProviderError',
]);

const TOO_LARGE_ERRORS: ReadonlySet<string> = new Set([
  'RequestTooLargeException',
  'RequestEntityTooLargeException',
  'SerializedRequestEntityTooLargeException',
]);

/** Codes proving the request never left this host or never reached a server. */
const NOT_CONNECTED_CODES: ReadonlySet<string> = new Set([...SOCKET_NOT_CONNECTED_CODES, 'ERR_INVALID_URL']);

export interface InvokeOutput {
  readonly StatusCode?: number;
  readonly FunctionError?: string;
  readonly Payload?: Uint8Array;
  readonly $metadata: { readonly requestId?: string };
}

function truncate(text: string): string {
  return text.length > MAX_ERROR_MESSAGE_CHARS ? `${text.slice(0, MAX_ERROR_MESSAGE_CHARS)}…` : text;
}

/**
 * Reads `{ errorType, errorMessage }` from a function error payload. Lambda's own failures have
 * their own types (Sandbox.Timedout, Runtime.ExitError, Function.ResponseSizeTooLarge); older
 * runtimes send a timeout as `{ errorMessage: "... Task timed out after 3.00 seconds" }` only.
 */
export function parseFunctionError(
  functionError: string,
  payload: Uint8Array | undefined,
): { errorType: string; errorMessage: string } {
  const text = payload ? Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString() : '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
    const { errorType, errorMessage } = parsed as Record<string, unknown>;
    const message = typeof errorMessage === 'string' ? errorMessage : '';
    const type =
      typeof errorType === 'string' && errorType !== ''
        ? errorType
        : /Task timed out after/i.test(message)
          ? 'Sandbox.Timedout'
          : functionError;
    return { errorType: type, errorMessage: truncate(message || `${type} (no errorMessage)`) };
  }
  if (typeof parsed === 'string' && parsed !== '') {
    return { errorType: functionError, errorMessage: truncate(parsed) };
  }
  return {
    // A timeout reported as plain text (the Runtime Interface Emulator does so) is still a timeout.
    errorType: /Task timed out after/i.test(text) ? 'Sandbox.Timedout' : functionError,
    errorMessage: truncate(text === '' ? `${functionError} (empty error payload)` : text),
  };
}

/** A resolved InvokeCommand: ok, or a function error when X-Amz-Function-Error is set. */
export function classifyOutput(output: InvokeOutput, durationMs: number): InvokeResult {
  const requestId = output.$metadata.requestId;
  if (output.FunctionError !== undefined && output.FunctionError !== '') {
    const { errorType, errorMessage } = parseFunctionError(output.FunctionError, output.Payload);
    return {
      kind: 'functionError',
      errorType,
      errorMessage,
      durationMs,
      ...(requestId ? { requestId } : {}),
    };
  }
  return {
    kind: 'ok',
    payload: output.Payload ?? new Uint8Array(0),
    durationMs,
    ...(requestId ? { requestId } : {}),
  };
}

interface ErrorLike {
  readonly name?: unknown;
  readonly message?: unknown;
  readonly code?: unknown;
  readonly Reason?: unknown;
  readonly retryAfterSeconds?: unknown;
  readonly cause?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

function retryAfterMs(value: unknown): number | undefined {
  const seconds = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds * 1000) : undefined;
}

/**
 * A rejected InvokeCommand. `aborted` is true when the caller's signal fired (the drain deadline):
 * the request may have reached the function, so it is ambiguous whatever error the SDK surfaced.
 */
export function classifyError(error: unknown, durationMs: number, aborted = false): InvokeResult {
  const err: ErrorLike = error !== null && typeof error === 'object' ? (error as ErrorLike) : {};
  const name = typeof err.name === 'string' ? err.name : 'Error';
  const message = typeof err.message === 'string' ? err.message : String(error);
  const status = err.$metadata?.httpStatusCode;
  const code = firstErrorCode(err);

  if (aborted || name === 'AbortError') {
    return { kind: 'ambiguous', errorType: 'Aborted', message: `invoke aborted: ${message}`, durationMs };
  }
  if (name === 'TooManyRequestsException' || status === 429) {
    const after = retryAfterMs(err.retryAfterSeconds);
    return {
      kind: 'throttled',
      reason: typeof err.Reason === 'string' && err.Reason !== '' ? err.Reason : 'Unknown',
      durationMs,
      ...(after === undefined ? {} : { retryAfterMs: after }),
    };
  }
  if (TOO_LARGE_ERRORS.has(name) || status === 413) {
    return { kind: 'tooLarge', message, durationMs };
  }
  if (NOT_EXECUTED_ERRORS.has(name)) {
    return { kind: 'notExecuted', errorType: name, message, durationMs };
  }
  if (status !== undefined && status >= 400 && status < 500 && status !== 408) {
    return { kind: 'notExecuted', errorType: name, message, durationMs };
  }
  if (status !== undefined && status >= 500) {
    return { kind: 'ambiguous', errorType: name, message, durationMs };
  }
  if (code !== undefined && NOT_CONNECTED_CODES.has(code)) {
    return { kind: 'notExecuted', errorType: code, message, durationMs };
  }
  // smithy's connectionTimeout: the socket never connected, so nothing was sent.
  if (name === 'TimeoutError' && /did not establish a connection/.test(message)) {
    return { kind: 'notExecuted', errorType: 'ConnectTimeout', message, durationMs };
  }
  if (name === 'TimeoutError') {
    return {
      kind: 'ambiguous',
      errorType: code === 'ECONNRESET' || code === 'EPIPE' ? code : 'Timeout',
      message,
      durationMs,
    };
  }
  return { kind: 'ambiguous', errorType: code ?? name, message, durationMs };
}

/** A failed preflight (DryRun): service errors are named (ResourceNotFoundException), socket errors carry a code (ECONNREFUSED). */
export function preflightFailure(error: unknown, durationMs: number): PreflightResult {
  const e = error as { name?: unknown; code?: unknown; message?: unknown };
  const name = typeof e?.name === 'string' && e.name !== '' && e.name !== 'Error' ? e.name : undefined;
  return {
    ok: false,
    errorType: name ?? (typeof e?.code === 'string' ? e.code : 'Error'),
    message: typeof e?.message === 'string' ? e.message : String(error),
    durationMs,
  };
}
