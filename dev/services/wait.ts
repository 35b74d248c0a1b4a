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
