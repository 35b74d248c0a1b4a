/**
 * One command (or a few, in order) of the Upstash parity corpus: what a handler would call on the real
 * @upstash/redis client. The suite runs every case, in order, through the client against the local
 * endpoint and through the same client against redis-server over RESP2, and compares what it decodes.
 */
import type { Redis } from '@upstash/redis';

export interface ParityCase {
  readonly name: string;
  readonly run: (redis: Redis) => Promise<unknown>;
  /**
   * Upstash's answer where it is not Redis's: an error for a command Upstash refuses (sources in
   * dev/local-upstash/command-policy.ts), or a value Upstash gives where stock Redis errs. The local
   * endpoint must answer this, and the case does not run on Redis.
   */
  readonly upstash?: { error: string } | { value: unknown };
}

type Run = ParityCase['run'];

/** A raw command through the client's own `exec` (its JSON deserialisation still applies). */
export function raw(command: string[]): Run {
  return (r) => r.exec(command as [string, ...string[]]);
}

/** Cases from `[name, run]` pairs, `[name, rawCommand]` pairs (e.g. `['HGETALL', 'h']`) or cases. */
export function cases(list: (ParityCase | [string, Run | string[]])[]): ParityCase[] {
  return list.map((entry) => {
    if (!Array.isArray(entry)) return entry;
    const [name, run] = entry;
    return { name, run: Array.isArray(run) ? raw(run) : run };
  });
}
