import { describe, expect, it } from 'vitest';
import { errorChain, isNetworkError, MalformedDeadLetterError, UncertainReplayError } from '#cli/errors';

describe('errors', () => {
  it('recognises network failures anywhere in the cause chain', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    expect(isNetworkError(new TypeError('fetch failed', { cause: refused }))).toBe(true);
    expect(isNetworkError(new AggregateError([refused]))).toBe(true);
    expect(isNetworkError(Object.assign(new Error('t'), { name: 'TimeoutError' }))).toBe(true);
    expect(isNetworkError(new Error('NoSuchBucket'))).toBe(false);
  });

  it('joins the messages of an error and its causes without repeats', () => {
    const inner = new Error('connect ECONNREFUSED');
    expect(errorChain(new Error('fetch failed', { cause: inner }))).toBe(
      'fetch failed: connect ECONNREFUSED',
    );
    expect(errorChain(new Error('same: x', { cause: new Error('x') }))).toBe('same: x');
    expect(errorChain('plain')).toBe('plain');
  });
});

describe('dead-letter errors', () => {
  it('MalformedDeadLetterError names the key and keeps the cause', () => {
    const cause = new SyntaxError('Unexpected token');
    const err = new MalformedDeadLetterError('dl/orders/1-a.json', 'not JSON', { cause });
    expect(err.name).toBe('MalformedDeadLetterError');
    expect(err.message).toBe('dl/orders/1-a.json: not JSON');
    expect(err.key).toBe('dl/orders/1-a.json');
    expect(err.cause).toBe(cause);
  });

  it('UncertainReplayError lists the uncertain keys and says how to decide', () => {
    const err = new UncertainReplayError(['k1', 'k2']);
    expect(err.name).toBe('UncertainReplayError');
    expect(err.keys).toEqual(['k1', 'k2']);
    expect(err.message).toMatch(/^2 dead letter\(s\) may or may not have been published .*\(k1, k2\)/);
    expect(err.message).toContain('--uncertain skip');
  });
});
