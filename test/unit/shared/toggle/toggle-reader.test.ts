import type { Redis } from '@upstash/redis';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { ToggleReader } from '#bridge/ports';
import { toggleKey } from '#shared/toggle/keys';
import { createUpstashToggleReader, decideToggle, UpstashToggleReader } from '#shared/toggle/toggle-reader';

/** A stand-in for the one Redis method the reader uses. */
function fakeRedis(get: (key: string) => Promise<unknown>): Redis {
  return { get } as unknown as Redis;
}

describe('UpstashToggleReader', () => {
  it('is the bridge ToggleReader port', () => {
    expectTypeOf(
      createUpstashToggleReader({ redis: fakeRedis(async () => null) }),
    ).toMatchTypeOf<ToggleReader>();
  });

  it('reads stopped, started and absent keys', async () => {
    // Prepare
    const values: Record<string, unknown> = { [toggleKey('a')]: 'stopped', [toggleKey('b')]: 'started' };
    const reader = createUpstashToggleReader({
      redis: fakeRedis(async (k) => values[k] ?? null),
      cacheTtlMs: 0,
    });

    // Act
    const readings = await Promise.all(['a', 'b', 'c'].map((f) => reader.read(f)));

    // Assess
    expect(readings).toEqual(['stopped', 'started', 'started']);
  });

  it('answers unknown on an error or a slow store, and reports the error', async () => {
    // Prepare
    const errors: string[] = [];
    const failing = createUpstashToggleReader({
      redis: fakeRedis(() => Promise.reject(new Error('fetch failed'))),
      onError: (e) => errors.push(String(e)),
    });
    const slow = createUpstashToggleReader({ redis: fakeRedis(() => new Promise(() => {})), timeoutMs: 50 });

    // Act
    const readings = [await failing.read('f'), await slow.read('f')];

    // Assess
    expect(readings).toEqual(['unknown', 'unknown']);
    expect(errors).toEqual(['Error: fetch failed']);
  });

  it('shares one read between concurrent callers and refuses a cache longer than 1 s', async () => {
    // Prepare
    let reads = 0;
    const reader = createUpstashToggleReader({
      redis: fakeRedis(async () => {
        reads++;
        return 'stopped';
      }),
    });

    // Act
    await Promise.all([reader.read('f'), reader.read('f'), reader.read('f')]);

    // Assess
    expect(reads).toBe(1);
    expect(() => new UpstashToggleReader({ redis: fakeRedis(async () => null), cacheTtlMs: 1_001 })).toThrow(
      RangeError,
    );
  });
});

describe('decideToggle', () => {
  it('applies the fail mode only to unknown', () => {
    expect(decideToggle('stopped', 'open')).toBe('stopped');
    expect(decideToggle('started', 'closed')).toBe('run');
    expect(decideToggle('unknown', 'open')).toBe('run');
    expect(decideToggle('unknown', 'closed')).toBe('stopped');
  });
});
