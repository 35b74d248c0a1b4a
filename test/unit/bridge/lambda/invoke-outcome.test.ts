import { describe, expect, it } from 'vitest';
import { classifyError, classifyOutput, parseFunctionError } from '#bridge/lambda/invoke-outcome';

const bytes = (s: string) => new Uint8Array(Buffer.from(s));

describe('parseFunctionError', () => {
  it('falls back to the header value for an empty payload', () => {
    expect(parseFunctionError('Unhandled', undefined)).toEqual({
      errorType: 'Unhandled',
      errorMessage: 'Unhandled (empty error payload)',
    });
  });

  it('reads a JSON string payload as the message', () => {
    expect(parseFunctionError('Handled', bytes('"bad input"'))).toEqual({
      errorType: 'Handled',
      errorMessage: 'bad input',
    });
  });

  it('names an object without errorMessage', () => {
    expect(parseFunctionError('Unhandled', bytes('{"errorType":"Function.ResponseSizeTooLarge"}'))).toEqual({
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: 'Function.ResponseSizeTooLarge (no errorMessage)',
    });
  });

  it('reads a plain-text timeout (the Runtime Interface Emulator sends one) as Sandbox.Timedout', () => {
    expect(parseFunctionError('Unhandled', bytes('Task timed out after 2.00 seconds'))).toEqual({
      errorType: 'Sandbox.Timedout',
      errorMessage: 'Task timed out after 2.00 seconds',
    });
    expect(parseFunctionError('Unhandled', bytes('upstream said no'))).toEqual({
      errorType: 'Unhandled',
      errorMessage: 'upstream said no',
    });
  });

  it('reads a payload that is a view into a larger buffer', () => {
    const big = Buffer.from('xxxx{"errorType":"E","errorMessage":"m"}yyyy');
    const view = new Uint8Array(big.buffer, big.byteOffset + 4, big.byteLength - 8);
    expect(parseFunctionError('Unhandled', view)).toEqual({ errorType: 'E', errorMessage: 'm' });
  });
});

describe('classifyOutput', () => {
  it('treats an empty FunctionError as ok and an absent payload as empty', () => {
    const result = classifyOutput({ StatusCode: 200, FunctionError: '', $metadata: {} }, 5);
    expect(result).toEqual({ kind: 'ok', payload: new Uint8Array(0), durationMs: 5 });
  });
});

describe('classifyError', () => {
  it('is ambiguous whatever the error when the caller aborted', () => {
    const err = Object.assign(new Error('x'), { $metadata: { httpStatusCode: 404 } });
    expect(classifyError(err, 1, true)).toMatchObject({ kind: 'ambiguous', errorType: 'Aborted' });
  });

  it('is notExecuted for a missing credential (nothing was sent)', () => {
    const err = Object.assign(new Error('Could not load credentials'), { name: 'CredentialsProviderError' });
    expect(classifyError(err, 1)).toMatchObject({
      kind: 'notExecuted',
      errorType: 'CredentialsProviderError',
    });
  });

  it('is notExecuted for a connect timeout, ambiguous for a reset', () => {
    const connect = Object.assign(
      new Error('the request socket did not establish a connection with the server within 10 ms.'),
      { name: 'TimeoutError' },
    );
    expect(classifyError(connect, 1)).toMatchObject({ kind: 'notExecuted', errorType: 'ConnectTimeout' });
    const reset = Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' });
    expect(classifyError(reset, 1)).toMatchObject({ kind: 'ambiguous', errorType: 'ECONNRESET' });
  });

  it('finds a socket code along the cause chain', () => {
    const err = new Error('wrapped', { cause: Object.assign(new Error('dns'), { code: 'ENOTFOUND' }) });
    expect(classifyError(err, 1)).toMatchObject({ kind: 'notExecuted', errorType: 'ENOTFOUND' });
  });

  it('is ambiguous for something it does not know, including non-errors', () => {
    expect(classifyError(new Error('weird'), 1)).toMatchObject({ kind: 'ambiguous', errorType: 'Error' });
    expect(classifyError('a string', 1)).toMatchObject({ kind: 'ambiguous', message: 'a string' });
  });

  it('ignores an unparsable retryAfterSeconds', () => {
    const err = Object.assign(new Error('Rate Exceeded.'), {
      name: 'TooManyRequestsException',
      Reason: 'CallerRateLimitExceeded',
      retryAfterSeconds: 'soon',
    });
    expect(classifyError(err, 1)).toEqual({
      kind: 'throttled',
      reason: 'CallerRateLimitExceeded',
      durationMs: 1,
    });
  });
});
