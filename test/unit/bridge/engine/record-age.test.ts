import { describe, expect, it } from 'vitest';
import { recordAgeDecision } from '#bridge/engine/record-age';

const T = 1_000_000;

describe('recordAgeDecision', () => {
  // [maxRecordAgeMs, onExpired, publishedAtMs, nowMs, retryDelayMs, action]
  const table: readonly [
    number | undefined,
    'deadLetter' | 'drop',
    number,
    number,
    number | undefined,
    string,
  ][] = [
    [undefined, 'deadLetter', 0, T, undefined, 'keep'],
    [undefined, 'deadLetter', 0, T, 3_600_000, 'keep'],
    [60_000, 'deadLetter', T, T + 60_000, undefined, 'keep'],
    [60_000, 'deadLetter', T, T + 60_001, undefined, 'deadLetter'],
    [60_000, 'drop', T, T + 60_001, undefined, 'drop'],
    [60_000, 'deadLetter', T, T + 10_000, 50_000, 'keep'],
    [60_000, 'deadLetter', T, T + 10_000, 50_001, 'deadLetter'],
    [60_000, 'drop', T, T + 10_000, 50_001, 'drop'],
    // A timestamp ahead of the bridge's clock (skew) is young, never expired.
    [60_000, 'deadLetter', T + 5_000, T, undefined, 'keep'],
  ];
  it.each(table)(
    'max %s, %s, published %d, now %d, retry in %s → %s',
    (max, onExpired, pub, now, delay, action) => {
      const d = recordAgeDecision(
        { ...(max !== undefined && { maxRecordAgeMs: max }), onExpired },
        pub,
        now,
        delay,
      );
      expect(d.action).toBe(action);
      if (d.action !== 'keep') expect(d.ageMs).toBe(now + (delay ?? 0) - pub);
    },
  );

  it('says why, for the dead-letter record', () => {
    const received = recordAgeDecision({ maxRecordAgeMs: 1_000, onExpired: 'deadLetter' }, 0, 5_000);
    expect(received).toMatchObject({
      reason: 'received 5000 ms after it was published, over maxRecordAgeMs (1000)',
    });
    const retry = recordAgeDecision({ maxRecordAgeMs: 1_000, onExpired: 'deadLetter' }, 0, 500, 2_000);
    expect(retry).toMatchObject({
      reason:
        'a retry in 2000 ms would deliver it 2500 ms after it was published, over maxRecordAgeMs (1000)',
    });
  });
});
