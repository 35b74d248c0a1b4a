import { describe, expect, it } from 'vitest';
import { classifyError } from '#bridge/lambda/invoke-outcome';
import { invokeOutputOf, serviceErrorOf } from '#bridge/lambda/invoke-reply';

const reply = (status: number, headers: Record<string, string>, body: string) => ({
  status,
  headers,
  body: Buffer.from(body),
});

describe('invokeOutputOf', () => {
  it('reads the function error header, the payload and the request id', () => {
    const out = invokeOutputOf(
      reply(200, { 'x-amz-function-error': 'Unhandled', 'x-amzn-requestid': 'r1' }, '{"errorType":"E"}'),
    );
    expect(out).toMatchObject({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      $metadata: { requestId: 'r1' },
    });
    expect(Buffer.from(out.Payload ?? []).toString()).toBe('{"errorType":"E"}');
  });

  it('has no payload for an empty body and falls back to the other request id headers', () => {
    const out = invokeOutputOf(reply(200, { 'x-amz-request-id': 'r2' }, ''));
    expect(out.Payload).toBeUndefined();
    expect(out.FunctionError).toBeUndefined();
    expect(out.$metadata.requestId).toBe('r2');
  });
});

describe('serviceErrorOf', () => {
  it.each([
    ['the header first', { 'x-amzn-errortype': 'A' }, '{"code":"B","__type":"C"}', 'A'],
    [
      'the header up to ":"',
      { 'x-amzn-errortype': 'ExpiredTokenException:http://x/' },
      '{}',
      'ExpiredTokenException',
    ],
    ['a body code in any case', {}, '{"Code":"B","__type":"C"}', 'B'],
    ['__type after its namespace', {}, '{"__type":"com.amazon.coral#C"}', 'C'],
    ['Unknown without any', {}, '{"message":"m"}', 'Unknown'],
  ])('names the error by %s', (_, headers, body, name) => {
    expect(serviceErrorOf(reply(400, headers, body)).name).toBe(name);
  });

  it.each([
    ['{"message":"lower"}', 'lower'],
    ['{"Message":"upper"}', 'upper'],
    ['{"message":"","Message":"upper"}', 'upper'],
    ['{}', 'UnknownError'],
    ['', 'UnknownError'],
  ])('takes the message of %s', (body, message) => {
    expect(serviceErrorOf(reply(500, { 'x-amzn-errortype': 'ServiceException' }, body)).message).toBe(
      message,
    );
  });

  it('copies the body fields and prefers Retry-After for a throttle', () => {
    const error = serviceErrorOf(
      reply(
        429,
        { 'x-amzn-errortype': 'TooManyRequestsException', 'retry-after': '7' },
        '{"Reason":"CallerRateLimitExceeded","retryAfterSeconds":"4"}',
      ),
    );
    expect(classifyError(error, 1)).toEqual({
      kind: 'throttled',
      reason: 'CallerRateLimitExceeded',
      retryAfterMs: 7_000,
      durationMs: 1,
    });
  });

  it('gives the SyntaxError of a body that is not JSON, with the status', () => {
    const error = serviceErrorOf(reply(502, {}, '<html>Bad Gateway</html>'));
    expect(error.name).toBe('SyntaxError');
    expect(classifyError(error, 1)).toMatchObject({ kind: 'ambiguous', errorType: 'SyntaxError' });
  });
});
