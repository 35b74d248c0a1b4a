/**
 * The bridge's ports: small interfaces in front of every network client, so the engine (batching,
 * answers, touch, drain) is transport-free and unit-testable with fakes, and the adapters (Lambda,
 * S3, NSQ topic, Upstash) are tested against real servers.
 */
import type { ClaimCheckPointer } from '#shared/contract/claim-check';
import type { DeadLetterRecord } from '#shared/contract/dead-letter';

/** How one Invoke ended, classified by what it means for the messages in the batch. */

/**
 * The errorType of a 'notExecuted' result whose endpoint rejected the request signature, by the HTTP
 * status it answered (the HTTP adapter classifies them; the engine and metrics say which status it was).
 */
export const SIGNATURE_REJECTIONS = { HttpUnauthorized: 401, HttpForbidden: 403 } as const;

/** The HTTP status of a signature rejection, or undefined for any other errorType. */
export function signatureRejectionStatus(errorType: string): number | undefined {
  return Object.hasOwn(SIGNATURE_REJECTIONS, errorType)
    ? SIGNATURE_REJECTIONS[errorType as keyof typeof SIGNATURE_REJECTIONS]
    : undefined;
}

export type InvokeResult =
  /** 200 without X-Amz-Function-Error: the payload is the function's response. */
  | {
      readonly kind: 'ok';
      readonly payload: Uint8Array;
      readonly requestId?: string;
      readonly durationMs: number;
    }
  /** 200 with X-Amz-Function-Error: the function ran and failed (thrown error, Sandbox.Timedout, Runtime.ExitError, Function.ResponseSizeTooLarge). */
  | {
      readonly kind: 'functionError';
      readonly errorType: string;
      readonly errorMessage: string;
      readonly requestId?: string;
      readonly durationMs: number;
    }
  /** 429 TooManyRequestsException: the function did not run. No attempt is spent (even when it is REQueued: throttle-requeues.ts). */
  | {
      readonly kind: 'throttled';
      readonly reason: string;
      readonly retryAfterMs?: number;
      readonly durationMs: number;
    }
  /** 413 RequestEntityTooLargeException: the function did not run; split the batch. */
  | { readonly kind: 'tooLarge'; readonly message: string; readonly durationMs: number }
  /** The request provably never reached the function (connection refused, DNS failure, 404 unknown function...). */
  | {
      readonly kind: 'notExecuted';
      readonly errorType: string;
      readonly message: string;
      readonly durationMs: number;
      /**
       * The refusal lasts until someone fixes a setting (an HTTP endpoint rejecting the request signature,
       * 401/403): retried like a throttle, never spending an attempt, so a rotated or mistyped secret
       * cannot dead-letter a backlog.
       */
      readonly keepsAttempts?: true;
    }
  /** It may or may not have run: socket timeout, connection reset mid-request, 5xx. */
  | {
      readonly kind: 'ambiguous';
      readonly errorType: string;
      readonly message: string;
      readonly durationMs: number;
    };

export interface InvokeRequest {
  /** Function name or ARN. */
  readonly functionName: string;
  /** The JSON-encoded NsqBatchEvent. */
  readonly payload: Uint8Array;
  /** Abort the wait (drain deadline). An aborted Invoke is classified 'ambiguous'. */
  readonly signal?: AbortSignal;
  /** Total time allowed for this Invoke; must exceed the function's own timeout. */
  readonly timeoutMs: number;
}

/** What a check of a function without running it (Lambda's DryRun) said. */
export type PreflightResult =
  | { readonly ok: true; readonly durationMs: number }
  | {
      readonly ok: false;
      readonly errorType: string;
      readonly message: string;
      readonly durationMs: number;
    };

export interface BatchInvoker {
  /** Never throws: every failure comes back classified. */
  invoke(request: InvokeRequest): Promise<InvokeResult>;
  /**
   * Checks that `functionName` exists and may be invoked without running it, and warms the client on
   * the way (credentials, endpoint, a keep-alive socket), so the first batch does not pay for that.
   * Optional; never throws.
   */
  preflight?(functionName: string, timeoutMs: number): Promise<PreflightResult>;
  close(): Promise<void>;
}

/** What the NSQ transport provides per delivered message. */
export interface DeliveryHandle {
  readonly id: string;
  readonly attempts: number;
  readonly body: Buffer;
  /** Producer timestamp, ms since the epoch. */
  readonly timestampMs: number;
  readonly nsqdAddress: string;
  /** Identifies the nsqd connection that delivered it (unique across reconnects): answers only work on it. */
  readonly connectionId: string;
  /** FIN. Called at most once (the engine guards it). */
  finish(): void;
  /** REQ with an integer delay ≥ 0, never nsqjs backoff. Called at most once. */
  requeue(delayMs: number): void;
  /** TOUCH: resets nsqd's timer to now + msg_timeout. */
  touch(): void;
  /** ms left before nsqd's --max-msg-timeout (TOUCH cannot go past it); null when already passed or unknown. */
  hardRemainingMs(): number | null;
}

/** The NSQ side of one subscription, as the engine needs it. */
export interface MessageSource {
  /**
   * Starts connecting; every delivery goes to `onMessage`. `onConnectionClosed` tells which connection
   * went away: its unanswered messages can no longer be answered (nsqd requeues them after msg_timeout).
   */
  start(
    onMessage: (handle: DeliveryHandle) => void,
    onConnectionClosed?: (connectionId: string) => void,
  ): void;
  /** RDY 0 on every connection; in-flight messages can still be answered. */
  pause(): void;
  resume(): void;
  /** Closes every connection (after the caller answered everything). */
  close(): Promise<void>;
  /** nsqd connections currently subscribed. */
  readonly connectedCount: number;
}

export interface DeadLetterStore {
  /** A human-readable destination for logs, e.g. `s3://bucket/prefix` or `nsq://topic`. */
  readonly describe: string;
  /** Resolves once every record is durably written; rejects if any was not (the caller REQueues). */
  write(records: readonly DeadLetterRecord[]): Promise<void>;
}

/** Where claim-checked bodies go (docs/contract.md, "Claim checks"). */
export interface ClaimCheckStore {
  /** A human-readable destination for logs, e.g. `s3://bucket/claim-checks/`. */
  readonly describe: string;
  /** Bytes of the pointer's text in an event entry for a body of `sizeBytes` (known before storing). */
  pointerEntryBytes(sizeBytes: number): number;
  /**
   * Stores `body` under its content-addressed key; resolves with the pointer once the object is durably
   * stored, rejects if it was not (the caller requeues the message). Storing the same body again is
   * harmless (same key, same bytes) and refreshes the object's expiry.
   */
  put(body: Uint8Array, signal?: AbortSignal): Promise<ClaimCheckPointer>;
}

export type ToggleReading = 'started' | 'stopped' | 'unknown';

export interface ToggleReader {
  /** Reads the function's toggle. 'unknown' when the store is unreachable (apply the fail mode). */
  read(functionName: string): Promise<ToggleReading>;
}

/** A wall clock and timers, injectable for tests. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): NodeJS.Timeout;
  clearTimeout(timer: NodeJS.Timeout): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (t) => clearTimeout(t),
};
