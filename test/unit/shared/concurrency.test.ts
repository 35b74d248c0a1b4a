import { describe, expect, it } from 'vitest';
import { forEachWithConcurrency } from '#shared/concurrency';

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

  it('runs every item, never more than the limit at once, and passes each index', async () => {
    // Prepare
    const items = Array.from({ length: 10 }, (_, i) => `m${i}`);
    const indexes: number[] = [];
    let running = 0;
    let peak = 0;

    // Act
    await forEachWithConcurrency(items, 3, async (item, index) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setImmediate(r));
      running--;
      expect(items[index]).toBe(item);
      indexes.push(index);
    });

    // Assess
    expect(peak).toBe(3);
    expect(indexes.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("rejects with a task's error, after starting nothing new", async () => {
    // Prepare
    const started: number[] = [];

    // Act
    const run = forEachWithConcurrency([1, 2, 3, 4], 1, async (n) => {
      started.push(n);
      if (n === 2) throw new Error('bad 2');
    });

    // Assess
    await expect(run).rejects.toThrow('bad 2');
    expect(started).toEqual([1, 2]);
  });

  it('does nothing for no items', async () => {
    let calls = 0;
    await forEachWithConcurrency([], 4, async () => {
      calls++;
    });
    expect(calls).toBe(0);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects the limit %s', async (limit) => {
    await expect(forEachWithConcurrency([1], limit, async () => {})).rejects.toThrow(
      /concurrency must be an integer ≥ 1/,
    );
  });
});
