import { describe, expect, it } from 'vitest';
import { filterFromFlags, matchesRecord, matchesRef, needsRecord } from '#cli/dlq/filter';
import { record } from '#test/integration/cli/dead-letter-seed';

describe('dead-letter filter', () => {
  const now = Date.parse('2026-11-27T12:00:00Z');

  it('builds a filter from the flags and knows when the key alone decides', () => {
    const byKey = filterFromFlags({ subscription: 'orders', since: '2h' }, now);
    expect(byKey).toEqual({ subscription: 'orders', sinceMs: now - 7_200_000 });
    expect(needsRecord(byKey)).toBe(false);
    expect(needsRecord(filterFromFlags({ handler: 'orders' }, now))).toBe(true);
    expect(filterFromFlags({ kind: 'function, maxAttempts' }, now).reasonKinds).toEqual([
      'function',
      'maxAttempts',
    ]);
  });

  it('rejects unknown kinds and an inverted time range', () => {
    expect(() => filterFromFlags({ kind: 'function,oops' }, now)).toThrow(/unknown reason kind oops/);
    expect(() => filterFromFlags({ since: '1h', until: '2h' }, now)).toThrow(/--since is after --until/);
  });

  it('matches records by handler, topic, kind, reason text and time', () => {
    const r = record({
      functionName: 'orders',
      topic: 'orders-v2',
      reasonKind: 'function',
      reason: 'bad payload',
      lastError: { type: 'Sandbox.Timedout', message: 'Task timed out' },
      deadLetteredAtMs: 1000,
    });
    expect(matchesRecord({ handler: 'orders' }, r)).toBe(true);
    expect(matchesRecord({ handler: 'other' }, r)).toBe(false);
    expect(matchesRecord({ topic: 'orders' }, r)).toBe(false);
    expect(matchesRecord({ reasonKinds: ['maxAttempts'] }, r)).toBe(false);
    expect(matchesRecord({ reasonContains: 'TIMED OUT' }, r)).toBe(true);
    expect(matchesRecord({ reasonContains: 'payload' }, r)).toBe(true);
    expect(matchesRecord({ sinceMs: 1001 }, r)).toBe(false);
    expect(matchesRecord({ untilMs: 1000 }, r)).toBe(true);
    expect(
      matchesRef({ subscription: 'x' }, { key: 'k', subscription: 'y', deadLetteredAtMs: 1, id: 'i' }),
    ).toBe(false);
  });
});
