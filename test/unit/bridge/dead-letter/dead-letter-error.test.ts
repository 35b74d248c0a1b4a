import { describe, expect, it } from 'vitest';
import { DeadLetterWriteError, mapLimit } from '#bridge/dead-letter/dead-letter-error';

describe('mapLimit', () => {
  it('runs every item, never more than the limit at once, and collects failures', async () => {
    // Prepare
    const items = Array.from({ length: 10 }, (_, i) => ({ id: `m${i}` }));
    let running = 0;
    let peak = 0;
    // Act
    const failures = await mapLimit(items, 3, async (item) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setImmediate(r));
      running--;
      if (item.id === 'm4' || item.id === 'm7') throw new Error(`bad ${item.id}`);
    });
    // Assess
    expect(peak).toBe(3);
    expect(failures.map((f) => f.id).sort()).toEqual(['m4', 'm7']);
    expect(failures.find((f) => f.id === 'm4')?.error.message).toBe('bad m4');
  });

  it('wraps non-Error throws', async () => {
    const failures = await mapLimit([{ id: 'a' }], 5, async () => {
      throw 'plain';
    });
    expect(failures[0]?.error).toBeInstanceOf(Error);
    expect(failures[0]?.error.message).toBe('plain');
  });
});

describe('DeadLetterWriteError', () => {
  it('names the destination, counts the records and keeps the causes', () => {
    const one = new DeadLetterWriteError('s3://b/p', [{ id: 'a', error: new Error('denied') }]);
    expect(one.message).toBe('dead-letter write to s3://b/p failed for 1 record: denied');
    expect(one.cause).toBeInstanceOf(Error);
    const two = new DeadLetterWriteError('nsq://t', [
      { id: 'a', error: new Error('x') },
      { id: 'b', error: new Error('y') },
    ]);
    expect(two.ids).toEqual(['a', 'b']);
    expect(two.message).toMatch(/2 records/);
    expect(two.cause).toBeInstanceOf(AggregateError);
  });
});
