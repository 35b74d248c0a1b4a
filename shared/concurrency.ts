/**
 * The one concurrency helper: runs `task` for every item with at most `limit` running at once, in
 * item order. Stops starting new items once `signal` aborts (items already running finish). A task
 * that throws rejects the whole run (the others already started still finish); catch inside the task
 * to collect failures instead (bridge/src/dead-letter/s3-store.ts does).
 * Used by the handler kit (per-message concurrency), the S3 dead-letter store and `nsq-lambda dlq`.
 */
export async function forEachWithConcurrency<T>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  if (!Number.isInteger(limit) || limit < 1)
    throw new RangeError(`concurrency must be an integer ≥ 1, got ${limit}`);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && !signal?.aborted) {
      const index = next++;
      await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
