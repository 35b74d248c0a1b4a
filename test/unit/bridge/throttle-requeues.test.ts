import { describe, expect, it } from 'vitest';
import { ThrottleRequeues } from '#bridge/throttle-requeues';

describe('ThrottleRequeues', () => {
  it.each([
    // [what, steps, nsqd attempts of the delivery asked about, expected discount]
    ['never throttled', [], 3, 0],
    ['one throttle requeue at delivery 1, asked at delivery 2', [[1, 0]], 2, 1],
    [
      'two throttle requeues (deliveries 1 and 2)',
      [
        [1, 0],
        [2, 1],
      ],
      3,
      2,
    ],
    ['a redelivery of the throttled delivery itself (same attempts) is not discounted', [[2, 0]], 2, 0],
    ['a later timeout still counts: discount stays at the throttles', [[1, 0]], 4, 1],
  ] as const)('%s', (_what, steps, attempts, discount) => {
    const ledger = new ThrottleRequeues();
    for (const [at, discounted] of steps) ledger.record('a:1 m', at, discounted);
    expect(ledger.discount('a:1 m', attempts)).toBe(discount);
    expect(ledger.discount('other m', attempts)).toBe(0);
  });

  it('forgets finished messages and stays bounded, dropping the oldest', () => {
    const ledger = new ThrottleRequeues(2);
    ledger.record('a', 1, 0);
    ledger.record('b', 1, 0);
    ledger.record('c', 1, 0);
    expect(ledger.size).toBe(2);
    expect(ledger.discount('a', 2)).toBe(0);
    expect(ledger.discount('c', 2)).toBe(1);
    ledger.forget('c');
    expect(ledger.discount('c', 2)).toBe(0);
  });
});
