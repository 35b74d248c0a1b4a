import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TokenBucket } from '#bridge/engine/token-bucket';

describe('TokenBucket', () => {
  it('starts full, then gives tokens at the rate, saving at most burst', () => {
    const b = new TokenBucket(10, 3, 0);
    expect([b.tryTake(0), b.tryTake(0), b.tryTake(0), b.tryTake(0)]).toEqual([true, true, true, false]);
    expect(b.msUntilToken(0)).toBe(100);
    expect(b.tryTake(99)).toBe(false);
    expect(b.tryTake(100)).toBe(true);
    expect(b.available(10_000)).toBe(3);
  });

  it('drained every millisecond, it grants exactly burst + ⌊rate × elapsed⌋', () => {
    const b = new TokenBucket(37, 5, 0);
    let granted = 0;
    for (let now = 0; now <= 10_000; now++) while (b.tryTake(now)) granted++;
    expect(granted).toBe(5 + Math.floor(37 * 10));
  });

  it('fractional rates: 0.5/s is one token every 2 s', () => {
    const b = new TokenBucket(0.5, 1, 0);
    expect(b.tryTake(0)).toBe(true);
    expect(b.msUntilToken(0)).toBe(2_000);
    expect(b.tryTake(1_999)).toBe(false);
    expect(b.tryTake(2_000)).toBe(true);
  });

  it('over any schedule of takes, tokens granted ≤ burst + rate × elapsed', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.1, max: 1_000, noNaN: true }),
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 200 }),
        (rate, burst, gaps) => {
          const b = new TokenBucket(rate, burst, 0);
          let now = 0;
          let granted = 0;
          for (const gap of gaps) {
            now += gap;
            while (b.tryTake(now)) granted++;
            expect(b.msUntilToken(now)).toBeGreaterThan(0);
          }
          expect(granted).toBeLessThanOrEqual(burst + (rate * now) / 1000 + 1e-9);
        },
      ),
    );
  });
});
