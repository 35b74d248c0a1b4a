import { describe, expect, it } from 'vitest';
import { parseBatchResult } from '#shared/contract/batch-result';

const ids = ['a', 'b', 'c'];

describe('parseBatchResult', () => {
  it('refuses JSON behind a byte-order mark, as bytes and as text, as JSON.parse does', () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('{"batchItemFailures":[]}')]);
    expect(parseBatchResult(bytes, ['a'])).toEqual({ ok: false, problem: 'response is not JSON (25 bytes)' });
    expect(parseBatchResult('\uFEFF{"batchItemFailures":[]}', ['a'])).toMatchObject({ ok: false });
  });

  it('finishes everything on an empty or null response, as SQS does', () => {
    for (const payload of [
      '',
      'null',
      '{}',
      '{"batchItemFailures":[]}',
      '{"batchItemFailures":null}',
      undefined,
    ]) {
      const r = parseBatchResult(payload, ids);
      expect(r.ok, String(payload)).toBe(true);
      if (r.ok) expect([...r.outcomes.values()].every((o) => o.kind === 'finish')).toBe(true);
    }
  });

  it('maps requeue (with and without delay) and deadLetter per item', () => {
    const r = parseBatchResult(
      JSON.stringify({
        batchItemFailures: [
          { itemIdentifier: 'a' },
          { itemIdentifier: 'b', action: 'requeue', delayMs: 500 },
          { itemIdentifier: 'c', action: 'deadLetter', reason: 'bad input' },
          { itemIdentifier: 'd', action: 'deadLetter', reason: 'shed', reasonKind: 'dropped' },
        ],
      }),
      [...ids, 'd'],
    );
    expect(r).toEqual({
      ok: true,
      outcomes: new Map([
        ['a', { kind: 'requeue' }],
        ['b', { kind: 'requeue', delayMs: 500 }],
        ['c', { kind: 'deadLetter', reason: 'bad input' }],
        ['d', { kind: 'deadLetter', reason: 'shed', reasonKind: 'dropped' }],
      ]),
    });
  });

  it.each([
    ['not JSON', '{oops', /not JSON/],
    ['a typo in the key', '{"batchItemFailure":[{"itemIdentifier":"a"}]}', /contract/],
    ['an unknown id', '{"batchItemFailures":[{"itemIdentifier":"zz"}]}', /unknown itemIdentifier/],
    ['a duplicate id', '{"batchItemFailures":[{"itemIdentifier":"a"},{"itemIdentifier":"a"}]}', /twice/],
    ['a fractional delay', '{"batchItemFailures":[{"itemIdentifier":"a","delayMs":1.5}]}', /contract/],
    ['a negative delay', '{"batchItemFailures":[{"itemIdentifier":"a","delayMs":-1}]}', /contract/],
    [
      'deadLetter without reason',
      '{"batchItemFailures":[{"itemIdentifier":"a","action":"deadLetter"}]}',
      /contract/,
    ],
    [
      'an unknown deadLetter reasonKind',
      '{"batchItemFailures":[{"itemIdentifier":"a","action":"deadLetter","reason":"x","reasonKind":"maxAttempts"}]}',
      /contract/,
    ],
    ['an array', '[]', /contract/],
    ['an empty id', '{"batchItemFailures":[{"itemIdentifier":""}]}', /contract/],
  ])('rejects %s', (_name, payload, problem) => {
    const r = parseBatchResult(payload, ids);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problem).toMatch(problem);
  });
});
