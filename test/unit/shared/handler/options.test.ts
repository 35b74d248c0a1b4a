/**
 * Every middleware (and nsqHandler) validates its options the same strict way, at init: an unknown
 * key, a wrong type or a value out of range throws an OptionsError naming the owner and listing every
 * problem at once.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { finish, nsqHandler, OptionsError } from '#shared/handler';
import { parseOptions } from '#shared/handler/options';
import { dedupe } from '#shared/middleware/dedupe';
import { observability } from '#shared/middleware/observability';
import { rateLimit } from '#shared/middleware/rate-limit';
import { toggle } from '#shared/middleware/toggle';

/** Creating with these options must fail; returns the OptionsError. */
function optionsErrorOf(create: () => unknown): OptionsError {
  try {
    create();
  } catch (err) {
    expect(err).toBeInstanceOf(OptionsError);
    return err as OptionsError;
  }
  throw new Error('expected an OptionsError');
}

const redis = {} as never; // never reached: validation happens before any call
const reader = { read: async () => 'started' as const };
const limiter = { kind: 'slidingWindow', tokens: 10, window: '10 s' } as const;
// biome-ignore lint/suspicious/noExplicitAny: the point is to pass what the types forbid
type Any = any;

describe('middleware options', () => {
  it.each<{ owner: string; create: () => unknown; problems: string[] }>([
    {
      owner: 'nsq-toggle',
      create: () => toggle({ reader, polcy: 'drop', requeueDelayMs: -1, failMode: 'sideways' } as Any),
      problems: [
        'requeueDelayMs: Too small: expected number to be >=0',
        'failMode: Invalid option: expected one of "open"|"closed"',
        '(root): Unrecognized key: "polcy"',
      ],
    },
    {
      owner: 'nsq-toggle',
      create: () => toggle({ reader: {}, functionName: '' } as Any),
      problems: [
        'reader: expected a toggle reader (an object with read(functionName))',
        'functionName: Too small: expected string to have >=1 characters',
      ],
    },
    {
      owner: 'nsq-dedupe',
      create: () =>
        dedupe({
          redis,
          ttlSecs: 60,
          inProgressTtlSec: 0,
          key: 'id',
          failMode: 'closed',
          timeoutMs: 1.5,
        } as Any),
      problems: [
        'key: expected a function',
        'inProgressTtlSec: Too small: expected number to be >=1',
        'timeoutMs: Invalid input: expected int, received number',
        '(root): Unrecognized key: "ttlSecs"',
      ],
    },
    {
      owner: 'nsq-dedupe',
      create: () => dedupe({ inProgressRequeueDelayMs: 4_000_000 } as Any),
      problems: [
        'redis: expected a Redis client or a function returning one',
        'inProgressRequeueDelayMs: Too big: expected number to be <=3600000',
      ],
    },
    {
      owner: 'nsq-rate-limit',
      create: () =>
        rateLimit({ redis, limiter: { kind: 'slidingWindow', tokens: 0, window: '10 sec' } } as Any),
      problems: [
        'limiter.tokens: Too small: expected number to be >=1',
        "limiter.window: expected a duration like '10 s' (units: ms, s, m, h, d)",
      ],
    },
    {
      owner: 'nsq-rate-limit',
      create: () => rateLimit({ redis, limiter, minDelay: 5, failClosedDelayMs: -5, now: 3 } as Any),
      problems: [
        'failClosedDelayMs: Too small: expected number to be >=0',
        'now: expected a function',
        '(root): Unrecognized key: "minDelay"',
      ],
    },
    {
      owner: 'nsq-rate-limit',
      create: () => rateLimit({ redis, limiter: { kind: 'leakyBucket' } } as Any),
      problems: [
        "limiter.kind: Invalid discriminator value. Expected 'slidingWindow' | 'fixedWindow' | 'tokenBucket'",
      ],
    },
    {
      owner: 'nsq-observability',
      create: () => observability({ metrics: {}, captureColdstart: false } as Any),
      problems: ['metrics: expected a Powertools Metrics', '(root): Unrecognized key: "captureColdstart"'],
    },
    {
      owner: 'nsqHandler',
      create: () =>
        nsqHandler({ body: 'yaml', deadlineMarginMs: -1, concurrency: 0, handle: async () => {} } as Any),
      problems: [
        "body: expected 'bytes', 'text', 'json' or a zod schema",
        'deadlineMarginMs: Too small: expected number to be >=0',
        'concurrency: Too small: expected number to be >=1',
      ],
    },
    {
      owner: 'nsqHandler',
      create: () => nsqHandler({ body: 'text', handel: async () => finish() } as Any),
      problems: [
        '(root): Unrecognized key: "handel"',
        'handle / handleBatch: give exactly one (handle per message, handleBatch per batch)',
      ],
    },
    {
      owner: 'nsqHandler',
      create: () =>
        nsqHandler({
          body: 'text',
          handle: async () => finish(),
          handleBatch: async () => ({}),
          concurrency: 2,
        } as Any),
      problems: [
        'handle / handleBatch: give exactly one (handle per message, handleBatch per batch)',
        'concurrency: only with handle (handleBatch gets every undecided message at once)',
      ],
    },
  ])('$owner lists every problem: $problems', ({ owner, create, problems }) => {
    const error = optionsErrorOf(create);
    expect(error.owner).toBe(owner);
    expect([...error.problems].sort()).toEqual([...problems].sort());
    expect(error.message).toContain(`invalid ${owner} options (${problems.length} problem`);
  });

  it('accepts valid options, defaults included', () => {
    expect(() => toggle({ reader })).not.toThrow();
    expect(() => dedupe({ redis, key: (m) => m.id, ttlSec: 60 })).not.toThrow();
    expect(() =>
      rateLimit({ redis, limiter: { kind: 'tokenBucket', refillRate: 1, interval: '1s', maxTokens: 5 } }),
    ).not.toThrow();
    expect(() => observability()).not.toThrow();
    expect(() =>
      nsqHandler({ body: z.object({ a: z.number() }), handleBatch: async () => ({}) }),
    ).not.toThrow();
  });

  it('refuses a value that is not an options object', () => {
    expect(optionsErrorOf(() => parseOptions('nsq-x', z.object({}).strict(), null)).problems).toEqual([
      '(root): expected an options object, got null',
    ]);
    expect(optionsErrorOf(() => toggle(undefined as Any)).problems).toEqual([
      '(root): expected an options object, got undefined',
    ]);
  });
});
