/**
 * Rate limit with @upstash/ratelimit, keyed per message by `key` (e.g. the target host) or global.
 * Messages over the limit are requeued with the limiter's reset delay, so they come back when the
 * window has room instead of spending billed time waiting.
 *
 * Per key and batch it makes two calls whatever the number of messages: `getRemaining`, then one
 * `limit(id, { rate: n })` for as many messages as fit (calls for different keys run concurrently and
 * @upstash/redis auto-pipelines them into one HTTP request). Under a race with another consumer the
 * second call can fail; then the whole group is requeued (never over the limit).
 *
 * When Redis cannot be reached (or is slower than `timeoutMs`): `failMode` 'open' (default) processes,
 * 'closed' requeues with `failClosedDelayMs`.
 */
import { Ratelimit } from '@upstash/ratelimit';
import { z } from 'zod';
import { MAX_REQUEUE_DELAY_MS } from '#shared/contract/batch-result';
import { NsqBatch } from '#shared/handler/batch-state';
import type { NsqMessage } from '#shared/handler/message';
import type { NsqMiddleware } from '#shared/handler/nsq-handler';
import { failModeSchema, fn, int, parseOptions } from '#shared/handler/options';
import { requeue } from '#shared/handler/outcome';
import { type RedisSource, redisSourceSchema, resolveRedis, withTimeout } from './redis-source.ts';

type Duration = Parameters<typeof Ratelimit.slidingWindow>[1];

export type RateLimitAlgorithm =
  | { readonly kind: 'slidingWindow'; readonly tokens: number; readonly window: Duration }
  | { readonly kind: 'fixedWindow'; readonly tokens: number; readonly window: Duration }
  | {
      readonly kind: 'tokenBucket';
      readonly refillRate: number;
      readonly interval: Duration;
      readonly maxTokens: number;
    };

export interface RateLimitOptions<TBody = unknown> {
  readonly redis: RedisSource;
  readonly limiter: RateLimitAlgorithm;
  /** The limit's identifier per message; without it one global limit per subscription. */
  readonly key?: (message: NsqMessage<TBody>) => string;
  /** Redis key prefix. @default 'nsq-lambda:ratelimit' */
  readonly prefix?: string;
  /** @default 'open' */
  readonly failMode?: 'open' | 'closed';
  /** Delay for messages requeued because the limiter could not be read (fail closed). @default 5_000 */
  readonly failClosedDelayMs?: number;
  /** Shortest requeue delay for limited messages. @default 100 */
  readonly minDelayMs?: number;
  /** @default 2_000 */
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

export const RATE_LIMITED_REASON = 'rate limited';

/** `@upstash/ratelimit`'s duration: a number and a unit (ms, s, m, h, d), e.g. `'10 s'`. */
const durationSchema = z
  .string()
  .regex(/^\d+ ?(ms|s|m|h|d)$/, "expected a duration like '10 s' (units: ms, s, m, h, d)")
  .transform((d) => d as Duration);

const limiterSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('slidingWindow'), tokens: int(1), window: durationSchema }).strict(),
  z.object({ kind: z.literal('fixedWindow'), tokens: int(1), window: durationSchema }).strict(),
  z
    .object({
      kind: z.literal('tokenBucket'),
      refillRate: int(1),
      interval: durationSchema,
      maxTokens: int(1),
    })
    .strict(),
]);

const rateLimitOptionsSchema = z
  .object({
    redis: redisSourceSchema,
    limiter: limiterSchema,
    key: fn<(message: NsqMessage) => string>().optional(),
    prefix: z.string().default('nsq-lambda:ratelimit'),
    failMode: failModeSchema.default('open'),
    failClosedDelayMs: int(0).max(MAX_REQUEUE_DELAY_MS).default(5_000),
    minDelayMs: int(0).max(MAX_REQUEUE_DELAY_MS).default(100),
    timeoutMs: int(1).default(2_000),
    now: fn<() => number>().default(() => Date.now),
  })
  .strict();

function limiterOf(algorithm: RateLimitAlgorithm) {
  switch (algorithm.kind) {
    case 'slidingWindow':
      return Ratelimit.slidingWindow(algorithm.tokens, algorithm.window);
    case 'fixedWindow':
      return Ratelimit.fixedWindow(algorithm.tokens, algorithm.window);
    case 'tokenBucket':
      return Ratelimit.tokenBucket(algorithm.refillRate, algorithm.interval, algorithm.maxTokens);
  }
}

export interface Admission {
  /** How many of the group may run now (the first ones). */
  readonly allowed: number;
  /** When the limit has room again, ms since the epoch. */
  readonly resetAtMs: number;
}

/** Framework-free core: admits up to `count` units for `identifier` with at most two limiter calls. */
export async function admit(ratelimit: Ratelimit, identifier: string, count: number): Promise<Admission> {
  const remaining = await ratelimit.getRemaining(identifier);
  const take = Math.min(count, Math.max(0, remaining.remaining));
  if (take === 0) return { allowed: 0, resetAtMs: remaining.reset };
  const result = await ratelimit.limit(identifier, { rate: take });
  return { allowed: result.success ? take : 0, resetAtMs: result.reset };
}

/** Throws an OptionsError listing every problem of `options`. */
export function rateLimit<TBody = unknown>(options: RateLimitOptions<TBody>): NsqMiddleware {
  const { failMode, failClosedDelayMs, minDelayMs, timeoutMs, now, prefix, limiter } = parseOptions(
    'nsq-rate-limit',
    rateLimitOptionsSchema,
    options,
  );
  let ratelimit: Promise<Ratelimit> | undefined;
  const getRatelimit = () => {
    ratelimit ??= resolveRedis(options.redis).then(
      (redis) =>
        new Ratelimit({
          redis,
          limiter: limiterOf(limiter),
          prefix,
          // The local cache would answer "limited" without Redis until reset: fine for HTTP, but we
          // need the reset time from Redis for the requeue delay, and keep behaviour identical across
          // execution environments.
          ephemeralCache: false,
          analytics: false,
          // Its own timeout answers "allowed" (fail open) regardless of failMode; ours applies failMode.
          timeout: 0,
        }),
    );
    ratelimit.catch(() => {
      ratelimit = undefined;
    });
    return ratelimit;
  };

  return {
    name: 'nsq-rate-limit',
    before: async (request) => {
      const batch = NsqBatch.of(request.event);
      const messages = batch.pendingMessages<TBody>();
      if (messages.length === 0) return;
      const groups = new Map<string, NsqMessage<TBody>[]>();
      for (const m of messages) {
        const key = options.key ? options.key(m) : 'global';
        const id = `${batch.event.subscription}:${key}`;
        groups.set(id, [...(groups.get(id) ?? []), m]);
      }
      let limiter: Ratelimit;
      try {
        limiter = await withTimeout(getRatelimit(), timeoutMs, 'rate limiter setup');
      } catch {
        return failAll(batch, [...groups.values()].flat());
      }
      await Promise.all(
        [...groups].map(async ([id, group]) => {
          let admission: Admission;
          try {
            admission = await withTimeout(admit(limiter, id, group.length), timeoutMs, 'rate limit');
          } catch {
            failAll(batch, group);
            return;
          }
          const delayMs = Math.max(minDelayMs, admission.resetAtMs - now());
          const limited = group.slice(admission.allowed);
          for (const m of limited) batch.decide(m.id, requeue(delayMs, RATE_LIMITED_REASON), 'rateLimit');
          if (limited.length > 0) batch.count('RateLimited', limited.length);
        }),
      );
    },
  };

  function failAll(batch: NsqBatch, group: readonly NsqMessage<TBody>[]): void {
    batch.count('RateLimitUnknown', group.length);
    if (failMode === 'open') return;
    for (const m of group) {
      batch.decide(m.id, requeue(failClosedDelayMs, 'rate limiter unreachable (fail closed)'), 'rateLimit');
    }
  }
}
