/**
 * What to do after an Invoke: a pure function of the outcome and the batch's state, so the whole
 * retry / bisect / split / give-up policy reads (and is tested) as one table. See docs/bridge.md.
 */
import { type ItemOutcome, parseBatchResult } from '#shared/contract/batch-result';
import type { TrackedMessage } from '../delivery.ts';
import type { RequeueCause } from '../events.ts';
import { type InvokeResult, signatureRejectionStatus } from '../ports.ts';

export type LastError = NonNullable<TrackedMessage['lastError']>;

/** An Invoke's result, with a 200's response parsed against the batch's ids. */
export type BatchOutcome =
  | {
      readonly kind: 'answered';
      readonly outcomes: ReadonlyMap<string, ItemOutcome>;
      readonly requestId?: string;
    }
  | { readonly kind: 'malformed'; readonly problem: string; readonly requestId?: string }
  | Exclude<InvokeResult, { kind: 'ok' }>;

export interface BatchState {
  /** Messages of the batch still unanswered (the ones just invoked). */
  readonly size: number;
  /** The batch is a half of a bisect already. */
  readonly bisecting: boolean;
  /** One of its messages was delivered before (attempts ≥ 2): a failure is a repeated one. */
  readonly redelivered: boolean;
  readonly draining: boolean;
  /** Every message can stay in flight two more invocation timeouts (nsqd --max-msg-timeout). */
  readonly canHoldBisect: boolean;
  /** Throttle retries done so far. */
  readonly throttleRetries: number;
  /** 'notExecuted' retries done so far, and allowed. */
  readonly notExecutedRetries: number;
  readonly maxNotExecutedRetries: number;
}

export type BatchStep =
  /** Apply the function's per-message outcomes. */
  | {
      readonly kind: 'answer';
      readonly outcomes: ReadonlyMap<string, ItemOutcome>;
      readonly requestId?: string;
    }
  /** Invoke each half on its own (a poison message is isolated, the healthy ones finish). */
  | { readonly kind: 'bisect'; readonly error: LastError }
  /** Requeue every message with the policy delay (or dead-letter those at their last attempt). */
  | {
      readonly kind: 'fail';
      readonly error: LastError;
      readonly reason: string;
      readonly cause: 'invoke failed' | 'not executed';
    }
  /** Lambda refused the request as too large: invoke each half. */
  | { readonly kind: 'split' }
  /** A single message too large for Lambda: dead-letter it `undeliverable`. */
  | { readonly kind: 'giveUp'; readonly reason: string }
  /**
   * Invoke the same messages again after a backoff (`backoffAttempt`, at least `retryAfterMs`). A
   * throttled retry (the function did not run) says how to requeue without spending an attempt when the
   * retry cannot wait: `requeue`.
   */
  | {
      readonly kind: 'retry';
      readonly throttled: false;
      readonly backoffAttempt: number;
      readonly retryAfterMs?: number;
      readonly error: LastError;
    }
  | {
      readonly kind: 'retry';
      readonly throttled: true;
      readonly backoffAttempt: number;
      readonly retryAfterMs?: number;
      readonly error: LastError;
      readonly requeue: KeptAttemptRequeue;
    };

/** A requeue that spends no attempt: its typed cause, and what happened (the start of its reason). */
export interface KeptAttemptRequeue {
  readonly cause: Extract<RequeueCause, 'throttled' | 'signature rejected' | 'not executed'>;
  readonly what: string;
}

/**
 * What a throttle-like retry that cannot wait tells the requeue: throttled, the endpoint rejected the
 * signature (401/403), or another lasting refusal.
 */
export function keptAttemptRequeue(
  outcome: Extract<BatchOutcome, { kind: 'throttled' } | { kind: 'notExecuted' }>,
): KeptAttemptRequeue {
  if (outcome.kind === 'throttled') {
    // The HTTP adapter's reason is its status ("HTTP 503"); Lambda throttles are always 429, with Lambda's
    // Reason (ReservedFunctionConcurrentInvocationLimitExceeded...).
    const what = /^HTTP \d{3}$/.test(outcome.reason)
      ? `throttled (${outcome.reason})`
      : `throttled (429) ${outcome.reason}`;
    return { cause: 'throttled', what };
  }
  const status = signatureRejectionStatus(outcome.errorType);
  return status === undefined
    ? { cause: 'not executed', what: `not executed: ${outcome.errorType}, refused until reconfigured` }
    : { cause: 'signature rejected', what: `endpoint rejected the signature: ${status}` };
}

/** The outcome of `result` for a batch of messages with these ids. */
export function batchOutcome(result: InvokeResult, ids: readonly string[]): BatchOutcome {
  if (result.kind !== 'ok') return result;
  const parsed = parseBatchResult(result.payload, ids);
  const requestId = result.requestId !== undefined ? { requestId: result.requestId } : {};
  return parsed.ok
    ? { kind: 'answered', outcomes: parsed.outcomes, ...requestId }
    : { kind: 'malformed', problem: parsed.problem, ...requestId };
}

export function decideBatchStep(outcome: BatchOutcome, state: BatchState): BatchStep {
  switch (outcome.kind) {
    case 'answered':
      return {
        kind: 'answer',
        outcomes: outcome.outcomes,
        ...(outcome.requestId !== undefined && { requestId: outcome.requestId }),
      };
    case 'malformed':
      return wholeBatchFailed(state, {
        type: 'MalformedResponse',
        message: outcome.problem,
        ...(outcome.requestId !== undefined && { requestId: outcome.requestId }),
      });
    case 'functionError':
      return wholeBatchFailed(state, {
        type: outcome.errorType,
        message: outcome.errorMessage,
        ...(outcome.requestId !== undefined && { requestId: outcome.requestId }),
      });
    case 'ambiguous': {
      const error = { type: outcome.errorType, message: outcome.message };
      // Only a hang (the invocation deadline passed) can point at a message; a reset socket, a 5xx or
      // an abort says nothing about the batch's content, so bisecting would only multiply Invokes
      // during an outage. Those requeue every message with the policy delay.
      if (outcome.errorType === 'Timeout') return wholeBatchFailed(state, error);
      return fail(error);
    }
    case 'tooLarge':
      return state.size === 1
        ? { kind: 'giveUp', reason: `Lambda refused the Invoke as too large: ${outcome.message}` }
        : { kind: 'split' };
    case 'throttled':
      return {
        kind: 'retry',
        throttled: true,
        backoffAttempt: state.throttleRetries,
        ...(outcome.retryAfterMs !== undefined && { retryAfterMs: outcome.retryAfterMs }),
        error: { type: 'TooManyRequestsException', message: outcome.reason },
        requeue: keptAttemptRequeue(outcome),
      };
    case 'notExecuted': {
      // Refused until reconfigured (401/403 from an HTTP target): the throttle path (in flight, backoff,
      // lower concurrency, a REQ that spends no attempt), with a bounded reason for the throttle label.
      if (outcome.keepsAttempts)
        return {
          kind: 'retry',
          throttled: true,
          backoffAttempt: state.throttleRetries,
          error: { type: outcome.errorType, message: outcome.errorType },
          requeue: keptAttemptRequeue(outcome),
        };
      const error = { type: outcome.errorType, message: outcome.message };
      if (state.notExecutedRetries < state.maxNotExecutedRetries)
        return { kind: 'retry', throttled: false, backoffAttempt: state.notExecutedRetries, error };
      return { kind: 'fail', error, reason: `not executed: ${outcome.errorType}`, cause: 'not executed' };
    }
  }
}

/**
 * The whole batch failed. Bisect when it holds more than one message and either one of them was
 * delivered before (a repeated failure) or it is a bisect half already, unless draining or a message
 * cannot stay in flight that long; otherwise fail every message.
 */
function wholeBatchFailed(state: BatchState, error: LastError): BatchStep {
  const repeated = state.bisecting || state.redelivered;
  if (state.size > 1 && repeated && !state.draining && state.canHoldBisect) return { kind: 'bisect', error };
  return fail(error);
}

function fail(error: LastError): BatchStep {
  return {
    kind: 'fail',
    error,
    reason: `${error.type}: ${error.message}`.slice(0, 512),
    cause: 'invoke failed',
  };
}
