export interface WaitOptions {
  /** What is awaited, for the error message. */
  readonly what: string;
  /** @default 10_000 */
  readonly timeoutMs?: number;
  /** @default 25 */
  readonly intervalMs?: number;
}

/**
 * Polls `check` until it returns a value other than `undefined`/`false`, or throws once the deadline
 * passes. The last error thrown by `check` is kept as the cause.
 */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  options: WaitOptions,
): Promise<Exclude<T, false | undefined>> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 25;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as Exclude<T, false | undefined>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${options.what}`, { cause: lastError });
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface StableOptions<T> extends WaitOptions {
  /** How long the state must hold, polled and unchanged, before it is accepted. */
  readonly quietMs: number;
  /** What must not change across the quiet period. @default the JSON of the value */
  readonly key?: (value: T) => string;
}

/**
 * Like waitFor, but one observation is not enough: `check` must return a value other than
 * `undefined`/`false`, with the same `key`, on every poll for `quietMs`. Use it to judge idleness or
 * absence ("nothing more will happen"), where a single poll can fall into a gap (nsqd shows a message in
 * neither its queue, in-flight nor deferred list for a moment while it moves it between them). Prefer
 * waiting for the positive event (a FIN counted, a count reaching N) where there is one.
 */
export async function waitStable<T>(
  check: () => T | Promise<T>,
  options: StableOptions<Exclude<T, false | undefined>>,
): Promise<Exclude<T, false | undefined>> {
  const key = options.key ?? ((v: Exclude<T, false | undefined>) => JSON.stringify(v) ?? '');
  let since: number | undefined;
  let heldKey: string | undefined;
  let last: unknown;
  const settled = await waitFor(
    async () => {
      const value = await check();
      last = value;
      const now = Date.now();
      if (value === undefined || value === false) {
        since = undefined;
        return undefined;
      }
      const k = key(value as Exclude<T, false | undefined>);
      if (since === undefined || k !== heldKey) {
        since = now;
        heldKey = k;
        return undefined;
      }
      return now - since >= options.quietMs ? { value } : undefined;
    },
    {
      ...options,
      intervalMs: options.intervalMs ?? Math.max(10, Math.min(100, Math.floor(options.quietMs / 5))),
    },
  ).catch((err: unknown) => {
    const seen = JSON.stringify(last) ?? String(last);
    throw new Error(
      `${(err as Error).message} to hold for ${options.quietMs} ms (last seen: ${seen.slice(0, 500)})`,
      { cause: (err as Error).cause ?? err },
    );
  });
  return settled.value as Exclude<T, false | undefined>;
}
