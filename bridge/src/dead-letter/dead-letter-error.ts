/**
 * The error every DeadLetterStore rejects with: which records were not written, and why. The engine
 * REQueues those messages (they are never FINished without a stored dead letter).
 */

export interface DeadLetterFailure {
  readonly id: string;
  readonly error: Error;
}

export class DeadLetterWriteError extends Error {
  override readonly name = 'DeadLetterWriteError';
  /** NSQ message ids that were not written. */
  readonly ids: readonly string[];

  constructor(
    readonly destination: string,
    readonly failures: readonly DeadLetterFailure[],
  ) {
    const first = failures[0]?.error.message ?? 'unknown error';
    super(
      `dead-letter write to ${destination} failed for ${failures.length} record${failures.length === 1 ? '' : 's'}: ${first}`,
      {
        cause: failures.length === 1 ? failures[0]?.error : new AggregateError(failures.map((f) => f.error)),
      },
    );
    this.ids = failures.map((f) => f.id);
  }
}

/**
 * Runs `fn` over `items`, at most `limit` at once, and returns the failures (never rejects).
 */
export async function mapLimit<T extends { readonly id: string }>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<DeadLetterFailure[]> {
  const failures: DeadLetterFailure[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (err) {
        failures.push({ id: item.id, error: err instanceof Error ? err : new Error(String(err)) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return failures;
}
