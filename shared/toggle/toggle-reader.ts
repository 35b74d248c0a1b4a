/**
 * Reads a function's remote on/off switch through @upstash/redis, framework-free.
 *
 * - Cached for at most 1 s per function (so a batch costs at most one read, and a change is seen
 *   within about a second); concurrent reads share one request.
 * - Never throws: an unreachable or slow store reads as 'unknown' and the caller applies its fail mode
 *   (see `decideToggle`). 'unknown' is cached like any reading, which bounds the cost of an outage.
 *
 * `createUpstashToggleReader` is the bridge's `ToggleReader` port (bridge/src/ports.ts): the bridge
 * pauses consumption (RDY 0) while a requeue-policy subscription is stopped.
 */
import type { Redis } from '@upstash/redis';
import type { ToggleSettings } from '#shared/config/subscription';
import { parseToggleState, toggleKey } from './keys.ts';

export type ToggleReading = 'started' | 'stopped' | 'unknown';

export interface ToggleReaderLike {
  read(functionName: string): Promise<ToggleReading>;
}

export const MAX_TOGGLE_CACHE_MS = 1_000;

export interface UpstashToggleReaderOptions {
  /** The client, or a lazy getter (e.g. `getUpstashRedis` from shared/clients/upstash). */
  readonly redis: Redis | (() => Promise<Redis>);
  /** How long a reading is reused, 0 to 1_000 ms. @default 1_000 */
  readonly cacheTtlMs?: number;
  /** A read slower than this counts as 'unknown'. @default 1_000 */
  readonly timeoutMs?: number;
  /** Called when a read fails (for logging); never with secrets. */
  readonly onError?: (error: unknown, functionName: string) => void;
  readonly now?: () => number;
}

interface CacheEntry {
  readonly reading: Promise<ToggleReading>;
  expiresAtMs: number;
}

export class UpstashToggleReader implements ToggleReaderLike {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly cacheTtlMs: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(private readonly options: UpstashToggleReaderOptions) {
    this.cacheTtlMs = options.cacheTtlMs ?? MAX_TOGGLE_CACHE_MS;
    this.timeoutMs = options.timeoutMs ?? 1_000;
    this.now = options.now ?? Date.now;
    if (!(this.cacheTtlMs >= 0 && this.cacheTtlMs <= MAX_TOGGLE_CACHE_MS)) {
      throw new RangeError(`cacheTtlMs must be within 0..${MAX_TOGGLE_CACHE_MS}, got ${this.cacheTtlMs}`);
    }
    if (!(this.timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0, got ${this.timeoutMs}`);
  }

  read(functionName: string): Promise<ToggleReading> {
    const now = this.now();
    const hit = this.cache.get(functionName);
    if (hit && now < hit.expiresAtMs) return hit.reading;
    const entry: CacheEntry = { reading: this.fetch(functionName), expiresAtMs: Number.POSITIVE_INFINITY };
    this.cache.set(functionName, entry);
    // The TTL starts when the answer arrives, so a slow read is not reused for longer than the TTL.
    void entry.reading.then(() => {
      entry.expiresAtMs = this.now() + this.cacheTtlMs;
    });
    return entry.reading;
  }

  /** Forgets cached readings (e.g. right after the CLI changed a toggle, in tests). */
  invalidate(functionName?: string): void {
    if (functionName === undefined) this.cache.clear();
    else this.cache.delete(functionName);
  }

  private async fetch(functionName: string): Promise<ToggleReading> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const redis =
        typeof this.options.redis === 'function' ? await this.options.redis() : this.options.redis;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`toggle read took longer than ${this.timeoutMs} ms`)),
          this.timeoutMs,
        );
      });
      const value = await Promise.race([redis.get<unknown>(toggleKey(functionName)), timeout]);
      return parseToggleState(value);
    } catch (err) {
      this.options.onError?.(err, functionName);
      return 'unknown';
    } finally {
      clearTimeout(timer);
    }
  }
}

export function createUpstashToggleReader(options: UpstashToggleReaderOptions): UpstashToggleReader {
  return new UpstashToggleReader(options);
}

/** What a reading means under a subscription's settings: process the batch, or apply the stopped policy. */
export function decideToggle(
  reading: ToggleReading,
  failMode: ToggleSettings['failMode'],
): 'run' | 'stopped' {
  if (reading === 'stopped') return 'stopped';
  if (reading === 'unknown' && failMode === 'closed') return 'stopped';
  return 'run';
}
