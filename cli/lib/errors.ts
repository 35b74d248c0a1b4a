/**
 * Errors the CLI turns into one line on stderr and an exit code, never a stack trace.
 */
import { ExitCode, type ExitCodeValue } from './exit-codes.ts';

export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export const badInput = (message: string, cause?: unknown) =>
  new CliError(message, ExitCode.badInput, cause === undefined ? undefined : { cause });

export const unavailable = (message: string, cause?: unknown) =>
  new CliError(message, ExitCode.unavailable, cause === undefined ? undefined : { cause });

export const needsDecision = (message: string) => new CliError(message, ExitCode.needsDecision);

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

/** True when the error (or one of its causes) is a network-level failure: refused, reset, DNS, timeout. */
export function isNetworkError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 8; depth++) {
    if (typeof e !== 'object') return false;
    const o = e as { code?: unknown; name?: unknown; cause?: unknown; errors?: unknown };
    if (typeof o.code === 'string' && NETWORK_CODES.has(o.code)) return true;
    if (o.name === 'TimeoutError' || o.name === 'AbortError') return true;
    if (Array.isArray(o.errors) && o.errors.some(isNetworkError)) return true;
    e = o.cause;
  }
  return false;
}

/** True when the error (or one of its causes) is a request that got no answer in time (the SDK's TimeoutError). */
export function isTimeout(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 8; depth++) {
    const o = e as { name?: unknown; code?: unknown; cause?: unknown };
    if (o.name === 'TimeoutError' || o.code === 'ETIMEDOUT') return true;
    e = o.cause;
  }
  return false;
}

/** The message of an error and its causes, joined, for one line. */
export function errorChain(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 4; depth++) {
    const msg = e instanceof Error ? e.message : String(e);
    if (msg && !parts.some((p) => p.includes(msg))) parts.push(msg);
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join(': ');
}
