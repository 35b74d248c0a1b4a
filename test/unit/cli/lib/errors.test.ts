import { describe, expect, it } from 'vitest';
import { errorChain, isNetworkError } from '#cli/lib/errors';

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
