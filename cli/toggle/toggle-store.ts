/**
 * The toggle through Upstash's REST API (@upstash/redis): the same keys the middleware and the bridge
 * read (shared/toggle/keys.ts). The state and its meta are written in one MULTI.
 */
import { Redis } from '@upstash/redis';
import {
  parseToggleState,
  type ToggleMeta,
  type ToggleState,
  toggleKey,
  toggleMetaKey,
} from '#shared/toggle/keys';
import { errorChain, isNetworkError, unavailable } from '../errors.ts';
import type { UpstashSettings } from '../lib/settings.ts';

export interface ToggleReadout {
  readonly state: ToggleState;
  /** Whether the key exists (absent means started, never set). */
  readonly isSet: boolean;
  readonly meta?: ToggleMeta;
  /** A meta value that is not valid JSON of the expected shape. */
  readonly metaProblem?: string;
}

export interface ToggleStore {
  readonly describe: string;
  read(names: readonly string[]): Promise<Map<string, ToggleReadout>>;
  write(names: readonly string[], state: ToggleState, meta: ToggleMeta): Promise<void>;
}

function parseMeta(raw: unknown): { meta?: ToggleMeta; metaProblem?: string } {
  if (raw === null || raw === undefined) return {};
  try {
    const o = JSON.parse(String(raw)) as Partial<ToggleMeta>;
    if (typeof o.setBy !== 'string' || typeof o.setAtMs !== 'number')
      return { metaProblem: 'meta without setBy/setAtMs' };
    return {
      meta: { setBy: o.setBy, setAtMs: o.setAtMs, ...(typeof o.note === 'string' ? { note: o.note } : {}) },
    };
  } catch {
    return { metaProblem: 'meta is not JSON' };
  }
}

function storeFailure(err: unknown, url: string, what: string): Error {
  const text = errorChain(err);
  if (isNetworkError(err) || /fetch failed|ECONNREFUSED|ENOTFOUND/i.test(text)) {
    return unavailable(
      `the toggle store (Upstash REST at ${url}) is unreachable (${what}); check UPSTASH_REDIS_REST_URL and that it runs`,
      err,
    );
  }
  if (/unauthori[sz]ed|WRONGPASS|401|403/i.test(text)) {
    return unavailable(
      `the toggle store at ${url} refused the token (${what}); check UPSTASH_REDIS_REST_TOKEN`,
      err,
    );
  }
  return unavailable(`the toggle store at ${url} failed (${what}): ${text}`, err);
}

export function upstashToggleStore(settings: UpstashSettings): ToggleStore {
  const redis = new Redis({
    url: settings.url,
    token: settings.token,
    automaticDeserialization: false,
    enableTelemetry: false,
    retry: { retries: 1, backoff: () => 200 },
  });
  return {
    describe: settings.url,
    async read(names) {
      const out = new Map<string, ToggleReadout>();
      if (names.length === 0) return out;
      let values: unknown[];
      try {
        values = await redis.mget(...names.flatMap((n) => [toggleKey(n), toggleMetaKey(n)]));
      } catch (err) {
        throw storeFailure(err, settings.url, 'read');
      }
      names.forEach((name, i) => {
        const raw = values[i * 2];
        out.set(name, {
          state: parseToggleState(raw),
          isSet: raw !== null && raw !== undefined,
          ...parseMeta(values[i * 2 + 1]),
        });
      });
      return out;
    },
    async write(names, state, meta) {
      if (names.length === 0) return;
      const tx = redis.multi();
      for (const name of names) {
        tx.set(toggleKey(name), state);
        tx.set(toggleMetaKey(name), JSON.stringify(meta));
      }
      try {
        await tx.exec();
      } catch (err) {
        throw storeFailure(err, settings.url, 'write');
      }
    },
  };
}
