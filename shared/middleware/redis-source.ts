/** A Redis client or a lazy getter for one (e.g. `() => getUpstashRedis()` from shared/clients/upstash). */
import type { Redis } from '@upstash/redis';
import { z } from 'zod';

export type RedisSource = Redis | (() => Promise<Redis>);

/** The `redis` option of dedupe and rateLimit: a client (an object) or a function returning one. */
export const redisSourceSchema = z.custom<RedisSource>(
  (v) => typeof v === 'function' || (typeof v === 'object' && v !== null),
  'expected a Redis client or a function returning one',
);

export function resolveRedis(source: RedisSource): Promise<Redis> {
  return typeof source === 'function' ? source() : Promise.resolve(source);
}

/** Races `work` against a timer; the timer's rejection names what was slow. */
export async function withTimeout<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} took longer than ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
