/**
 * The one way this project speaks RESP2 to a redis-server: the local Upstash endpoint and the tests
 * that hold it against Redis both connect through here.
 *
 * Upstash's REST API answers in RESP2 shapes (flat arrays for WITHSCORES, HGETALL and CONFIG GET,
 * scores and floats as bulk strings, Lua tables as nested arrays). ioredis 6 speaks RESP3 by default,
 * where those come back as maps, doubles and nested pairs; `protocol: 2` makes redis-server itself
 * answer in RESP2, so no reply needs converting case by case. Bulk and status replies arrive as
 * Buffers (binary-safe), integers as numbers, nil as null, and errors inside arrays as Error objects.
 */
import { Redis, type RedisOptions } from 'ioredis';

export interface Resp2Target {
  /** `redis://127.0.0.1:6379`; give this or `port`. */
  readonly url?: string | undefined;
  /** A redis-server on 127.0.0.1. */
  readonly port?: number | undefined;
  /** Per-command timeout. @default 10_000 */
  readonly commandTimeoutMs?: number | undefined;
}

/** A RESP2 reply as ioredis hands it over with `callBuffer`. */
export type Resp2Reply = Buffer | number | null | Error | Resp2Reply[];

/** Connects (and waits for the connection) to redis-server over RESP2. */
export async function connectResp2(target: Resp2Target): Promise<Redis> {
  const options: RedisOptions = {
    protocol: 2,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: target.commandTimeoutMs ?? 10_000,
    connectTimeout: 5_000,
    retryStrategy: (times) => Math.min(times * 100, 1_000),
  };
  const redis =
    target.url !== undefined
      ? new Redis(target.url, options)
      : new Redis({ ...options, host: '127.0.0.1', port: target.port ?? 6379 });
  // Connection errors surface per command; keep them from becoming unhandled 'error' events.
  redis.on('error', () => {});
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`cannot connect to redis-server at ${target.url ?? target.port} over RESP2: ${reason}`, {
      cause: err,
    });
  }
  return redis;
}

/** True for an error redis-server answered (as opposed to a connection or timeout failure). */
export function isReplyError(err: unknown): err is Error {
  return err instanceof Error && err.name === 'ReplyError';
}
