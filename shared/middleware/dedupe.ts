/**
 * Dedupe: skip messages already handled within a TTL, keyed by message id (the default) or a content
 * key (e.g. the URL). Implemented with SET NX EX on @upstash/redis, one pipelined request per batch
 * (see docs/writing-a-handler.md for why not Powertools Idempotency):
 *
 * - before: claim every undecided message's key with `SET key claim NX EX inProgressTtlSec`.
 *   Claimed → the handler runs. Key says `done` → duplicate: finished without work. Key holds another
 *   claim → in-progress duplicate: requeued with `inProgressRequeueDelayMs`.
 * - after: finished or dead-lettered → `SET key done EX ttlSec`; requeued → the claim is deleted, so
 *   the retry can run. onError (the invocation failed) → every claim is deleted. A claim is deleted only
 *   while the key still holds it (compare-and-delete): never a `done` mark that a handler still running
 *   after the deadline wrote meanwhile, nor a newer claim of another invocation after ours expired.
 *
 * A retried Invoke of the same batch (same batchId) recognises its own claims. Redis unreachable:
 * `failMode` 'open' (default) processes without dedupe, 'closed' requeues with `failClosedDelayMs`.
 */
import { createHash } from 'node:crypto';
import type { Redis } from '@upstash/redis';
import { z } from 'zod';
import { MAX_REQUEUE_DELAY_MS } from '#shared/contract/batch-result';
import { NsqBatch } from '#shared/handler/batch-state';
import type { NsqMessage } from '#shared/handler/message';
import type { NsqMiddleware } from '#shared/handler/nsq-handler';
import { failModeSchema, fn, int, parseOptions } from '#shared/handler/options';
import { finish, requeue } from '#shared/handler/outcome';
import { type RedisSource, redisSourceSchema, resolveRedis, withTimeout } from './redis-source.ts';

export interface DedupeOptions<TBody = unknown> {
  readonly redis: RedisSource;
  /** The dedupe key; @default the NSQ message id */
  readonly key?: (message: NsqMessage<TBody>) => string;
  /** How long a handled key is remembered. @default 86_400 (1 day) */
  readonly ttlSec?: number;
  /** How long a claim lives if the function dies mid-way; keep ≥ the function timeout. @default 900 */
  readonly inProgressTtlSec?: number;
  /** Requeue delay for a duplicate of a message in progress. @default 10_000 */
  readonly inProgressRequeueDelayMs?: number;
  /** @default 'nsq-lambda:dedupe:<subscription>:' */
  readonly prefix?: string;
  /** @default 'open' */
  readonly failMode?: 'open' | 'closed';
  /** @default 5_000 */
  readonly failClosedDelayMs?: number;
  /** @default 2_000 */
  readonly timeoutMs?: number;
}

export const DONE_MARK = 'done';
export const IN_PROGRESS_REASON = 'duplicate of a message in progress';

/** Keys longer than this are hashed (sha256), keeping Redis keys short and free of odd bytes. */
const MAX_PLAIN_KEY_CHARS = 200;

export function dedupeRedisKey(prefix: string, key: string): string {
  const plain = key.length <= MAX_PLAIN_KEY_CHARS && /^[\x21-\x7e]+$/.test(key);
  return `${prefix}${plain ? key : `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`}`;
}

/** Our claims: message id → the Redis key and the claim value we set on it. */
export type Claims = ReadonlyMap<string, { readonly key: string; readonly claim: string }>;

/** Deletes KEYS[1] only while it holds ARGV[1]; answers 1 when it did. */
export const RELEASE_CLAIM_SCRIPT =
  "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

const dedupeOptionsSchema = z
  .object({
    redis: redisSourceSchema,
    key: fn<(message: NsqMessage) => string>().optional(),
    ttlSec: int(1).default(86_400),
    inProgressTtlSec: int(1).default(900),
    inProgressRequeueDelayMs: int(0).max(MAX_REQUEUE_DELAY_MS).default(10_000),
    prefix: z.string().optional(),
    failMode: failModeSchema.default('open'),
    failClosedDelayMs: int(0).max(MAX_REQUEUE_DELAY_MS).default(5_000),
    timeoutMs: int(1).default(2_000),
  })
  .strict();

/** The options with defaults applied. */
export type DedupeSettings = Omit<z.output<typeof dedupeOptionsSchema>, 'redis' | 'key'>;

export interface DedupeCore {
  /** Claims the batch's undecided messages; returns the claims we own, by message id. */
  claim(batch: NsqBatch, redis: Redis): Promise<Claims>;
  /** Marks done or releases each claim by the message's final outcome. */
  settle(batch: NsqBatch, claims: Claims, redis: Redis): Promise<void>;
  /** Releases every claim (the invocation failed). */
  release(claims: Claims, redis: Redis): Promise<void>;
  readonly options: DedupeSettings;
}

/** Throws an OptionsError listing every problem of `options`. */
export function dedupeCore<TBody>(options: DedupeOptions<TBody>): DedupeCore {
  const { redis: _redis, key: _key, ...settings } = parseOptions('nsq-dedupe', dedupeOptionsSchema, options);
  const { ttlSec, inProgressTtlSec, inProgressRequeueDelayMs } = settings;
  return {
    options: settings,
    async claim(batch, redis) {
      const prefix = settings.prefix ?? `nsq-lambda:dedupe:${batch.event.subscription}:`;
      const messages = batch.pendingMessages<TBody>();
      const claims = new Map<string, { key: string; claim: string }>();
      if (messages.length === 0) return claims;
      const entries = messages.map((m) => ({
        message: m,
        key: dedupeRedisKey(prefix, options.key ? options.key(m) : m.id),
        claim: `claim:${batch.event.batchId}:${m.id}`,
      }));
      const pipeline = redis.pipeline();
      for (const e of entries) {
        pipeline.set(e.key, e.claim, { nx: true, ex: inProgressTtlSec });
        pipeline.get(e.key);
      }
      const replies = await pipeline.exec<unknown[]>();
      entries.forEach((e, i) => {
        const set = replies[2 * i];
        const current = replies[2 * i + 1];
        if (set === 'OK' || current === e.claim) {
          claims.set(e.message.id, { key: e.key, claim: e.claim });
        } else if (current === DONE_MARK) {
          batch.decide(e.message.id, finish(), 'dedupe');
          batch.count('Duplicates');
        } else if (current === null) {
          // The other holder's claim vanished between SET and GET: safest is to try again soon.
          batch.decide(e.message.id, requeue(inProgressRequeueDelayMs, IN_PROGRESS_REASON), 'dedupe');
        } else {
          batch.decide(e.message.id, requeue(inProgressRequeueDelayMs, IN_PROGRESS_REASON), 'dedupe');
          batch.count('InProgressDuplicates');
        }
      });
      return claims;
    },
    async settle(batch, claims, redis) {
      if (claims.size === 0) return;
      const pipeline = redis.pipeline();
      for (const [id, { key, claim }] of claims) {
        const kind = batch.decision(id)?.outcome.kind;
        if (kind === 'finish' || kind === 'deadLetter') pipeline.set(key, DONE_MARK, { ex: ttlSec });
        else pipeline.eval(RELEASE_CLAIM_SCRIPT, [key], [claim]);
      }
      await pipeline.exec();
    },
    async release(claims, redis) {
      if (claims.size === 0) return;
      const pipeline = redis.pipeline();
      for (const { key, claim } of claims.values()) pipeline.eval(RELEASE_CLAIM_SCRIPT, [key], [claim]);
      await pipeline.exec();
    },
  };
}

export function dedupe<TBody = unknown>(options: DedupeOptions<TBody>): NsqMiddleware {
  const core = dedupeCore(options);
  const { failMode, failClosedDelayMs, timeoutMs } = core.options;
  const claimsByEvent = new WeakMap<object, Claims>();
  const run = async (fn: (redis: Redis) => Promise<void>, what: string) =>
    withTimeout(
      resolveRedis(options.redis).then((redis) => fn(redis)),
      timeoutMs,
      what,
    );
  return {
    name: 'nsq-dedupe',
    before: async (request) => {
      const batch = NsqBatch.of(request.event);
      try {
        await run(async (redis) => {
          claimsByEvent.set(request.event, await core.claim(batch, redis));
        }, 'dedupe claim');
      } catch {
        const pending = batch.pending();
        batch.count('DedupeUnknown', pending.length);
        if (failMode === 'closed') {
          for (const m of pending) {
            batch.decide(
              m.id,
              requeue(failClosedDelayMs, 'dedupe store unreachable (fail closed)'),
              'dedupe',
            );
          }
        }
      }
    },
    after: async (request) => {
      const claims = claimsByEvent.get(request.event);
      if (!claims) return;
      const batch = NsqBatch.of(request.event);
      // Best effort: if this fails, the claims expire after inProgressTtlSec and duplicates in the
      // meantime are requeued, never lost.
      await run((redis) => core.settle(batch, claims, redis), 'dedupe settle').catch(() => {
        batch.count('DedupeSettleFailed', claims.size);
      });
    },
    onError: async (request) => {
      const claims = claimsByEvent.get(request.event);
      if (!claims) return;
      await run((redis) => core.release(claims, redis), 'dedupe release').catch(() => {});
    },
  };
}
