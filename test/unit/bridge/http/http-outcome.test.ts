import { describe, expect, it } from 'vitest';
import {
  classifyFailure,
  classifyReply,
  HTTP_FORBIDDEN,
  HTTP_UNAUTHORIZED,
  isAuthRejection,
  REASON_BODY_CHARS,
  retryAfterMs,
} from '#bridge/http/http-outcome';
import type { InvokeResult } from '#bridge/ports';

const WHERE = 'https://fn.example.com/batch';
const NOW = Date.parse('2026-12-04T23:00:00Z');
const bytes = (s: string) => new Uint8Array(Buffer.from(s));
const reply = (status: number, body = '', headers: Record<string, string> = {}) =>
  classifyReply({ status, headers, body: bytes(body) }, 12, NOW, WHERE);
const err = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('classifyReply: every HTTP reply → the outcome the engine already knows', () => {
  const table: Array<[string, InvokeResult, Partial<InvokeResult> & { kind: InvokeResult['kind'] }]> = [
    ['200 with a body', reply(200, '{"batchItemFailures":[]}'), { kind: 'ok' }],
    ['204 without a body (every message succeeded)', reply(204), { kind: 'ok' }],
    ['200 breaking the contract (the engine finds it malformed)', reply(200, '<html>'), { kind: 'ok' }],
    [
      '429 with Retry-After seconds',
      reply(429, '', { 'retry-after': '3' }),
      { kind: 'throttled', reason: 'HTTP 429', retryAfterMs: 3_000 },
    ],
    ['429 without Retry-After', reply(429), { kind: 'throttled', reason: 'HTTP 429' }],
    [
      '503 with Retry-After as an HTTP date',
      reply(503, '', { 'retry-after': new Date(NOW + 7_000).toUTCString() }),
      { kind: 'throttled', reason: 'HTTP 503', retryAfterMs: 7_000 },
    ],
    ['503 without Retry-After', reply(503, 'down'), { kind: 'ambiguous', errorType: 'Http503' }],
    ['413', reply(413, 'payload too large'), { kind: 'tooLarge' }],
    ['408', reply(408), { kind: 'ambiguous', errorType: 'Http408' }],
    ['500', reply(500, 'boom'), { kind: 'ambiguous', errorType: 'Http500' }],
    ['502', reply(502), { kind: 'ambiguous', errorType: 'Http502' }],
    [
      '401',
      reply(401, 'bad signature'),
      { kind: 'notExecuted', errorType: HTTP_UNAUTHORIZED, keepsAttempts: true },
    ],
    ['403', reply(403), { kind: 'notExecuted', errorType: HTTP_FORBIDDEN, keepsAttempts: true }],
    ['404', reply(404, 'no such route'), { kind: 'functionError', errorType: 'Http404' }],
    ['422', reply(422, '{"error":"bad event"}'), { kind: 'functionError', errorType: 'Http422' }],
    [
      '302 (redirects are not followed)',
      reply(302, '', { location: 'https://x' }),
      { kind: 'notExecuted', errorType: 'Http302' },
    ],
  ];
  it.each(table)('%s', (_, result, expected) => {
    expect(result).toMatchObject(expected);
    if (expected.kind === 'throttled' && !('retryAfterMs' in expected))
      expect(result).not.toHaveProperty('retryAfterMs');
  });

  it('keeps the reply body as the payload of ok (a view is fine)', () => {
    const r = reply(200, '{"batchItemFailures":[{"itemIdentifier":"a"}]}');
    expect(r.kind === 'ok' && Buffer.from(r.payload).toString()).toBe(
      '{"batchItemFailures":[{"itemIdentifier":"a"}]}',
    );
  });

  it('a function error names the status, the endpoint and the start of the body, never more', () => {
    const r = reply(400, `  ${'x'.repeat(2_000)}`);
    expect(r.kind).toBe('functionError');
    const message = r.kind === 'functionError' ? r.errorMessage : '';
    expect(message.startsWith(`HTTP 400 from ${WHERE}: xxx`)).toBe(true);
    expect(message.length).toBe(`HTTP 400 from ${WHERE}: `.length + REASON_BODY_CHARS + 1);
    expect(reply(404)).toMatchObject({ errorMessage: `HTTP 404 from ${WHERE}: no body` });
  });

  it('401/403 are auth rejections (counted and logged loudly); other not-executed outcomes are not', () => {
    expect(isAuthRejection(reply(401))).toBe(true);
    expect(isAuthRejection(reply(403))).toBe(true);
    expect(isAuthRejection(reply(302))).toBe(false);
    expect(reply(302)).not.toHaveProperty('keepsAttempts');
    expect(
      isAuthRejection(
        classifyFailure({ error: err('ECONNREFUSED'), timedOut: false, aborted: false }, 1, WHERE),
      ),
    ).toBe(false);
  });

  it('passes a request id header through', () => {
    expect(reply(200, '', { 'x-request-id': 'r-1' })).toMatchObject({ requestId: 'r-1' });
    expect(reply(200, '', { 'cf-ray': 'ray-1' })).toMatchObject({ requestId: 'ray-1' });
  });
});

describe('retryAfterMs', () => {
  it.each([
    ['0', 0],
    ['120', 120_000],
    [' 5 ', 5_000],
    [new Date(NOW + 90_000).toUTCString(), 90_000],
    [new Date(NOW - 90_000).toUTCString(), 0],
    ['-1', undefined],
    ['1.5', undefined],
    ['soon', undefined],
    ['', undefined],
  ] as const)('%j → %j', (value, expected) => {
    expect(retryAfterMs(value, NOW)).toBe(expected);
  });
  it('absent → undefined', () => expect(retryAfterMs(undefined, NOW)).toBeUndefined());
});

describe('classifyFailure: a request that got no full reply', () => {
  const table: Array<[string, Parameters<typeof classifyFailure>[0], Partial<InvokeResult>]> = [
    [
      'connection refused',
      { error: err('ECONNREFUSED'), timedOut: false, aborted: false },
      { kind: 'notExecuted', errorType: 'ECONNREFUSED' },
    ],
    [
      'DNS failure',
      { error: err('ENOTFOUND'), timedOut: false, aborted: false },
      { kind: 'notExecuted', errorType: 'ENOTFOUND' },
    ],
    [
      'DNS failure wrapped in a cause',
      { error: new Error('fetch failed', { cause: err('EAI_AGAIN') }), timedOut: false, aborted: false },
      { kind: 'notExecuted', errorType: 'EAI_AGAIN' },
    ],
    [
      'connect timeout',
      { error: err('UND_ERR_CONNECT_TIMEOUT'), timedOut: false, aborted: false },
      { kind: 'notExecuted', errorType: 'UND_ERR_CONNECT_TIMEOUT' },
    ],
    [
      'certificate refused',
      { error: err('ERR_TLS_CERT_ALTNAME_INVALID'), timedOut: false, aborted: false },
      { kind: 'notExecuted' },
    ],
    [
      'the request deadline passed',
      { error: new DOMException('t', 'TimeoutError'), timedOut: true, aborted: false },
      { kind: 'ambiguous', errorType: 'Timeout' },
    ],
    [
      'the drain aborted it',
      { error: new DOMException('a', 'AbortError'), timedOut: false, aborted: true },
      { kind: 'ambiguous', errorType: 'Aborted' },
    ],
    [
      'reset mid-request',
      { error: err('ECONNRESET'), timedOut: false, aborted: false },
      { kind: 'ambiguous', errorType: 'ECONNRESET' },
    ],
    [
      'the other side closed',
      { error: err('UND_ERR_SOCKET', 'other side closed'), timedOut: false, aborted: false },
      { kind: 'ambiguous', errorType: 'UND_ERR_SOCKET' },
    ],
    [
      'a reply over 6 MB',
      { error: err('UND_ERR_RES_EXCEEDED_MAX_SIZE'), timedOut: false, aborted: false },
      { kind: 'functionError', errorType: 'ResponseSizeTooLarge' },
    ],
    [
      'anything else',
      { error: 'weird', timedOut: false, aborted: false },
      { kind: 'ambiguous', errorType: 'Error' },
    ],
  ];
  it.each(table)('%s', (_, failure, expected) => {
    const r = classifyFailure(failure, 7, WHERE);
    expect(r).toMatchObject({ ...expected, durationMs: 7 });
    expect(JSON.stringify(r)).toContain(WHERE);
  });
});
