import { describe, expect, it } from 'vitest';
import { MAX_REQUEUE_DELAY_MS } from '#shared/contract/batch-result';
import { deadLetter, finish, isOutcome, requeue } from '#shared/handler/outcome';

describe('outcome helpers', () => {
  it('rounds and caps requeue delays and rejects negative ones', () => {
    expect(requeue(10.2)).toEqual({ kind: 'requeue', delayMs: 11 });
    expect(requeue(MAX_REQUEUE_DELAY_MS * 2)).toEqual({ kind: 'requeue', delayMs: MAX_REQUEUE_DELAY_MS });
    expect(requeue()).toEqual({ kind: 'requeue' });
    expect(() => requeue(-1)).toThrow(RangeError);
    expect(() => requeue(Number.NaN)).toThrow(RangeError);
  });

  it('keeps dead-letter reasons non-empty and within the contract limit', () => {
    expect(deadLetter('  ')).toEqual({ kind: 'deadLetter', reason: 'dead-lettered by the handler' });
    expect(deadLetter('x'.repeat(5_000))).toMatchObject({ reason: expect.stringMatching(/^x{4095}…$/) });
  });

  it('recognises outcomes', () => {
    expect(isOutcome(finish())).toBe(true);
    expect(isOutcome({ kind: 'done' })).toBe(false);
    expect(isOutcome(true)).toBe(false);
  });
});
