import { describe, expect, it } from 'vitest';
import { forEachWithConcurrency } from '#shared/handler/concurrency';

describe('forEachWithConcurrency', () => {
  it('visits every item once and starts nothing after the signal aborts', async () => {
    // Prepare
    const seen: number[] = [];
    const controller = new AbortController();

    // Act
    await forEachWithConcurrency(
      [1, 2, 3, 4, 5, 6],
      2,
      async (n) => {
        seen.push(n);
        if (n === 3) controller.abort();
        await Promise.resolve();
      },
      controller.signal,
    );

    // Assess
    expect(seen).toEqual([1, 2, 3]);
  });

  it('rejects a limit below 1', async () => {
    await expect(forEachWithConcurrency([1], 0, async () => {})).rejects.toThrow(RangeError);
  });
});
