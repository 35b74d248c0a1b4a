import { describe, expect, it } from 'vitest';
import {
  type BatchOutcome,
  type BatchState,
  batchOutcome,
  decideBatchStep,
  keptAttemptRequeue,
} from '#bridge/engine/batch-decision';

const state = (s: Partial<BatchState> = {}): BatchState => ({
  size: 4,
  bisecting: false,
  redelivered: false,
  draining: false,
  canHoldBisect: true,
  throttleRetries: 0,
  notExecutedRetries: 0,
  maxNotExecutedRetries: 2,
  ...s,
});

const fnError: BatchOutcome = {
  kind: 'functionError',
  errorType: 'Error',
  errorMessage: 'boom',
  requestId: 'r1',
  durationMs: 1,
};
const timeout: BatchOutcome = { kind: 'ambiguous', errorType: 'Timeout', message: 'hang', durationMs: 1 };
const reset: BatchOutcome = { kind: 'ambiguous', errorType: 'ECONNRESET', message: 'reset', durationMs: 1 };
const malformed: BatchOutcome = { kind: 'malformed', problem: 'not JSON', requestId: 'r2' };
const throttled: BatchOutcome = {
  kind: 'throttled',
  reason: 'Rate exceeded',
  retryAfterMs: 300,
  durationMs: 1,
};
const notExecuted: BatchOutcome = {
  kind: 'notExecuted',
  errorType: 'ECONNREFUSED',
  message: 'refused',
  durationMs: 1,
};
const tooLarge: BatchOutcome = { kind: 'tooLarge', message: '413', durationMs: 1 };

const fnErr = { type: 'Error', message: 'boom', requestId: 'r1' };
const fail = (error: object, reason: string, cause = 'invoke failed') => ({
  kind: 'fail',
  error,
  reason,
  cause,
});

describe('decideBatchStep', () => {
  const table: Array<[string, BatchOutcome, Partial<BatchState>, unknown]> = [
    ['function error, first delivery: fail', fnError, {}, fail(fnErr, 'Error: boom')],
    ['function error, redelivered: bisect', fnError, { redelivered: true }, { kind: 'bisect', error: fnErr }],
    ['function error, in a bisect: bisect', fnError, { bisecting: true }, { kind: 'bisect', error: fnErr }],
    [
      'function error, one message: fail',
      fnError,
      { redelivered: true, size: 1 },
      fail(fnErr, 'Error: boom'),
    ],
    [
      'function error, draining: fail',
      fnError,
      { redelivered: true, draining: true },
      fail(fnErr, 'Error: boom'),
    ],
    [
      'function error, cannot hold two timeouts: fail',
      fnError,
      { redelivered: true, canHoldBisect: false },
      fail(fnErr, 'Error: boom'),
    ],
    [
      'malformed, redelivered: bisect',
      malformed,
      { redelivered: true },
      { kind: 'bisect', error: { type: 'MalformedResponse', message: 'not JSON', requestId: 'r2' } },
    ],
    [
      'malformed, first delivery: fail',
      malformed,
      {},
      fail(
        { type: 'MalformedResponse', message: 'not JSON', requestId: 'r2' },
        'MalformedResponse: not JSON',
      ),
    ],
    [
      'timeout, redelivered: bisect',
      timeout,
      { redelivered: true },
      { kind: 'bisect', error: { type: 'Timeout', message: 'hang' } },
    ],
    [
      'transport failure, redelivered: fail (never bisect)',
      reset,
      { redelivered: true },
      fail({ type: 'ECONNRESET', message: 'reset' }, 'ECONNRESET: reset'),
    ],
    ['413, several messages: split', tooLarge, {}, { kind: 'split' }],
    [
      '413, one message: give up',
      tooLarge,
      { size: 1 },
      { kind: 'giveUp', reason: 'Lambda refused the Invoke as too large: 413' },
    ],
    [
      '429: retry (throttled), backoff from the throttle retries',
      throttled,
      { throttleRetries: 3 },
      {
        kind: 'retry',
        throttled: true,
        backoffAttempt: 3,
        retryAfterMs: 300,
        error: { type: 'TooManyRequestsException', message: 'Rate exceeded' },
        requeue: { cause: 'throttled', what: 'throttled (429) Rate exceeded' },
      },
    ],
    [
      'not executed, retries left: retry',
      notExecuted,
      { notExecutedRetries: 1 },
      {
        kind: 'retry',
        throttled: false,
        backoffAttempt: 1,
        error: { type: 'ECONNREFUSED', message: 'refused' },
      },
    ],
    [
      'not executed until reconfigured (401/403): retry as a throttle, whatever the retries, no attempt spent',
      {
        ...notExecuted,
        errorType: 'HttpUnauthorized',
        message: 'HTTP 401 from https://x: no',
        keepsAttempts: true,
      },
      { notExecutedRetries: 2, throttleRetries: 5 },
      {
        kind: 'retry',
        throttled: true,
        backoffAttempt: 5,
        error: { type: 'HttpUnauthorized', message: 'HttpUnauthorized' },
        requeue: { cause: 'signature rejected', what: 'endpoint rejected the signature: 401' },
      },
    ],
    [
      'not executed, retries spent: fail',
      notExecuted,
      { notExecutedRetries: 2 },
      fail({ type: 'ECONNREFUSED', message: 'refused' }, 'not executed: ECONNREFUSED', 'not executed'),
    ],
  ];
  it.each(table)('%s', (_name, outcome, s, step) => {
    expect(decideBatchStep(outcome, state(s))).toEqual(step);
  });

  it('answers with the parsed outcomes of a 200', () => {
    const outcome = batchOutcome(
      {
        kind: 'ok',
        payload: Buffer.from(JSON.stringify({ batchItemFailures: [{ itemIdentifier: 'b' }] })),
        requestId: 'r3',
        durationMs: 1,
      },
      ['a', 'b'],
    );
    const step = decideBatchStep(outcome, state({ redelivered: true }));
    expect(step).toMatchObject({ kind: 'answer', requestId: 'r3' });
    expect(step.kind === 'answer' && step.outcomes.get('b')?.kind).toBe('requeue');
  });

  it('reads a 200 that breaks the contract as malformed', () => {
    const outcome = batchOutcome({ kind: 'ok', payload: Buffer.from('nope'), durationMs: 1 }, ['a']);
    expect(outcome.kind).toBe('malformed');
  });

  it('cuts a failure reason to 512 characters', () => {
    const long: BatchOutcome = { ...fnError, errorMessage: 'x'.repeat(1_000) };
    const step = decideBatchStep(long, state());
    expect(step.kind === 'fail' && step.reason.length).toBe(512);
  });
});

describe('keptAttemptRequeue', () => {
  const refused = (errorType: string): BatchOutcome => ({
    kind: 'notExecuted',
    errorType,
    message: `HTTP from https://x: no`,
    durationMs: 1,
    keepsAttempts: true,
  });
  it.each([
    ['Lambda throttle', throttled, { cause: 'throttled', what: 'throttled (429) Rate exceeded' }],
    [
      'HTTP 429',
      { kind: 'throttled', reason: 'HTTP 429', durationMs: 1 } as BatchOutcome,
      { cause: 'throttled', what: 'throttled (HTTP 429)' },
    ],
    [
      'HTTP 401',
      refused('HttpUnauthorized'),
      { cause: 'signature rejected', what: 'endpoint rejected the signature: 401' },
    ],
    [
      'HTTP 403',
      refused('HttpForbidden'),
      { cause: 'signature rejected', what: 'endpoint rejected the signature: 403' },
    ],
    [
      'another lasting refusal is not called a signature rejection',
      refused('SomethingElse'),
      { cause: 'not executed', what: 'not executed: SomethingElse, refused until reconfigured' },
    ],
  ])('%s', (_name, outcome, want) => {
    expect(keptAttemptRequeue(outcome as never)).toEqual(want);
  });
});
