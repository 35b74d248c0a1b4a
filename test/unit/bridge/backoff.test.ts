import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clampDelayMs, requeueDelayMs, retryDelayMs } from '#bridge/backoff';

const policy = { baseDelayMs: 1000, maxDelayMs: 60_000, jitter: 'none' as const };

describe('requeueDelayMs', () => {
  it('doubles per attempt and caps at maxDelayMs', () => {
    expect([1, 2, 3, 4, 10].map((a) => requeueDelayMs(policy, a, 3_600_000))).toEqual([
      1000, 2000, 4000, 8000, 60_000,
    ]);
  });

  it('clamps to nsqd --max-req-timeout', () => {
    expect(requeueDelayMs({ ...policy, maxDelayMs: 3_600_000 }, 30, 10_000)).toBe(10_000);
  });

  it('is always a whole number within [0, cap] for any attempts, jitter and random', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -5, max: 70_000 }),
        fc.constantFrom('full', 'equal', 'none'),
        fc.double({ min: 0, max: 0.999_999, noNaN: true }),
        fc.integer({ min: 0, max: 3_600_000 }),
        (attempts, jitter, r, cap) => {
          const d = requeueDelayMs({ baseDelayMs: 500, maxDelayMs: 900_000, jitter }, attempts, cap, () => r);
          return Number.isInteger(d) && d >= 0 && d <= Math.min(cap, 900_000);
        },
      ),
    );
  });

  it('equal jitter stays within [delay/2, delay]', () => {
    expect(requeueDelayMs({ ...policy, jitter: 'equal' }, 2, 3_600_000, () => 0)).toBe(1000);
    expect(requeueDelayMs({ ...policy, jitter: 'equal' }, 2, 3_600_000, () => 0.999)).toBe(1999);
  });
});

describe('retryDelayMs and clampDelayMs', () => {
  it('honours the server retryAfter', () => {
    expect(retryDelayMs({ baseDelayMs: 100, maxDelayMs: 1000 }, 0, 5000, () => 0)).toBe(5000);
  });

  it('grows with the retry number up to the cap', () => {
    const b = { baseDelayMs: 100, maxDelayMs: 1000 };
    expect(retryDelayMs(b, 0, undefined, () => 1)).toBe(100);
    expect(retryDelayMs(b, 3, undefined, () => 1)).toBe(800);
    expect(retryDelayMs(b, 20, undefined, () => 1)).toBe(1000);
  });

  it('turns NaN and negatives into 0 and Infinity into the cap', () => {
    expect(clampDelayMs(Number.NaN, 10)).toBe(0);
    expect(clampDelayMs(-1, 10)).toBe(0);
    expect(clampDelayMs(Number.POSITIVE_INFINITY, 10)).toBe(10);
    expect(clampDelayMs(5.9, 10)).toBe(5);
  });
});
