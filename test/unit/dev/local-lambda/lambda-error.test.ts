import { describe, expect, it } from 'vitest';
import { toLambdaError, toLambdaErrorV4, UnhandledPromiseRejection } from '#dev/local-lambda/lambda-error';

// What aws-lambda-ric 3.x makes of thrown values; test/parity holds the same cases to the real client.
describe('toLambdaError', () => {
  it('uses the error name, message and stack lines as `trace`, and no other field', () => {
    class QuotaError extends Error {
      override name = 'QuotaError';
    }
    const error = toLambdaError(new QuotaError('over quota'));
    expect(Object.keys(error)).toEqual(['errorType', 'errorMessage', 'trace']);
    expect(error.errorType).toBe('QuotaError');
    expect(error.errorMessage).toBe('over quota');
    expect(error.trace?.[0]).toBe('QuotaError: over quota');
    expect(error.trace?.length).toBeGreaterThan(1);
  });

  it.each([
    ['plain failure', { errorType: 'string', errorMessage: 'plain failure', trace: [] }],
    [{ code: 42 }, { errorType: 'object', errorMessage: '[object Object]', trace: [] }],
    [7, { errorType: 'number', errorMessage: '7', trace: [] }],
    [false, { errorType: 'boolean', errorMessage: 'false', trace: [] }],
  ])('types a thrown non-error %o by typeof and toString()', (value, expected) => {
    expect(toLambdaError(value)).toEqual(expected);
  });

  it('treats an error-like object (name, message and stack strings) as an error', () => {
    const like = {
      name: 'Custom',
      message: 'from a plain object',
      stack: 'Custom: from a plain object\n    at x',
    };
    expect(toLambdaError(like)).toEqual({
      errorType: 'Custom',
      errorMessage: 'from a plain object',
      trace: ['Custom: from a plain object', '    at x'],
    });
  });

  it("answers the client's fixed text when an error's fields cannot be read", () => {
    const broken = new Error('x');
    Object.defineProperty(broken, 'stack', { value: undefined });
    expect(toLambdaError(broken)).toEqual({
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
    });
  });

  it('escapes DEL characters as %7F', () => {
    expect(toLambdaError(new Error('a\x7Fb')).errorMessage).toBe('a%7Fb');
  });

  it('wraps an unhandled rejection as Runtime.UnhandledPromiseRejection with the reason as text', () => {
    const error = toLambdaError(new UnhandledPromiseRejection(new RangeError('late')));
    expect(error.errorType).toBe('Runtime.UnhandledPromiseRejection');
    expect(error.errorMessage).toBe('RangeError: late');
    expect(error.trace?.[0]).toBe('Runtime.UnhandledPromiseRejection: RangeError: late');
  });
});

// What aws-lambda-ric 4.x (nodejs24.x) makes of them: only an `instanceof Error` is an error, messages are String().
describe('toLambdaErrorV4', () => {
  it('uses the error name, message and stack lines as `trace`, and no other field', () => {
    const error = toLambdaErrorV4(new RangeError('out of range'));
    expect(Object.keys(error)).toEqual(['errorType', 'errorMessage', 'trace']);
    expect(error).toMatchObject({ errorType: 'RangeError', errorMessage: 'out of range' });
    expect(error.trace?.[0]).toBe('RangeError: out of range');
  });

  it.each([
    ['plain failure', { errorType: 'string', errorMessage: 'plain failure', trace: [] }],
    [{ code: 42 }, { errorType: 'object', errorMessage: '[object Object]', trace: [] }],
    [null, { errorType: 'object', errorMessage: 'null', trace: [] }],
    [undefined, { errorType: 'undefined', errorMessage: 'undefined', trace: [] }],
    [7, { errorType: 'number', errorMessage: '7', trace: [] }],
    [
      { name: 'Custom', message: 'error-like', stack: 'Custom: error-like\n    at x' },
      { errorType: 'object', errorMessage: '[object Object]', trace: [] },
    ],
  ])('types a thrown non-error %o by typeof and String()', (value, expected) => {
    expect(toLambdaErrorV4(value)).toEqual(expected);
  });

  it('gives an error without a stack an empty trace, and escapes DEL characters as %7F', () => {
    const noStack = new Error('a\x7Fb');
    Object.defineProperty(noStack, 'stack', { value: undefined });
    expect(toLambdaErrorV4(noStack)).toEqual({ errorType: 'Error', errorMessage: 'a%7Fb', trace: [] });
  });

  it("answers the client's fixed text when an error's fields cannot be read", () => {
    const broken = new Error('x');
    Object.defineProperty(broken, 'name', {
      get() {
        throw new Error('no name');
      },
    });
    expect(toLambdaErrorV4(broken)).toMatchObject({ errorType: 'handled', trace: [] });
  });
});
