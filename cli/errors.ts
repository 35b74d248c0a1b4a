/**
 * Every error the CLI throws on purpose, and the helpers that read error chains. A CliError becomes
 * one line on stderr and an exit code, never a stack trace; the others carry the context a command
 * needs to decide (which dead letter is malformed, which replays are uncertain). Each takes
 * `options.cause`.
 */
import { ExitCode, type ExitCodeValue } from './lib/exit-codes.ts';

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

/** A stored dead letter that is not a valid record (shared/contract/dead-letter.ts). */
export class MalformedDeadLetterError extends Error {
  override readonly name = 'MalformedDeadLetterError';
  constructor(
    /** The object key (S3) or `topic/channel#id` (NSQ) of the record. */
    readonly key: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${key}: ${message}`, options);
  }
}

/** An earlier replay was killed while publishing these dead letters; the operator must decide. */
export class UncertainReplayError extends Error {
  override readonly name = 'UncertainReplayError';
  constructor(
    readonly keys: readonly string[],
    options?: ErrorOptions,
  ) {
    super(
      `${keys.length} dead letter(s) may or may not have been published when an earlier replay was killed (${keys.join(', ')}); ` +
        'rerun with --uncertain skip (assume published) or --uncertain republish (publish again; consumers must be idempotent)',
      options,
    );
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
