import { describe, expect, it } from 'vitest';
import { AimdLimiter } from '#bridge/aimd-limiter';

describe('AimdLimiter', () => {
  it('cuts to 70 % on throttle down to 1 and climbs back by one per `limit` successes', () => {
    const l = new AimdLimiter(8);
    expect([l.decrease(), l.decrease(), l.decrease(), l.decrease(), l.decrease()]).toEqual([5, 3, 2, 1, 1]);
    expect(l.increase()).toBe(2);
    expect(l.increase()).toBe(2);
    expect(l.increase()).toBe(3);
    for (let i = 0; i < 100; i++) l.increase();
    expect(l.limit).toBe(8);
  });

  it('decreases once per congestion event: throttles of Invokes started before the last decrease do not count', () => {
    const l = new AimdLimiter(20);
    // Twenty Invokes start under the same limit; ten come back 429 together.
    const started = Array.from({ length: 20 }, () => l.epoch);
    const limits = started.slice(0, 10).map((epoch) => l.decrease(epoch));
    expect(limits).toEqual(Array(10).fill(14));
    // An Invoke started after that decrease and throttled again lowers it once more.
    expect(l.decrease(l.epoch)).toBe(9);
    expect(l.decrease(started[0])).toBe(9);
  });

  it('never runs more than the limit at once and wakes waiters FIFO', async () => {
    const l = new AimdLimiter(2);
    expect(l.tryAcquire()).toBe(true);
    expect(l.tryAcquire()).toBe(true);
    expect(l.tryAcquire()).toBe(false);
    const order: number[] = [];
    const w1 = l.acquire().then(() => order.push(1));
    const w2 = l.acquire().then(() => order.push(2));
    l.release();
    await w1;
    expect(order).toEqual([1]);
    expect(l.active).toBe(2);
    l.release();
    await w2;
    expect(order).toEqual([1, 2]);
  });

  it('a lowered limit holds new work until enough slots are released', () => {
    const l = new AimdLimiter(4);
    for (let i = 0; i < 4; i++) l.tryAcquire();
    l.decrease();
    l.release();
    l.release();
    expect(l.hasFreeSlot).toBe(false);
    l.release();
    expect(l.hasFreeSlot).toBe(true);
  });

  it('rejects a max below 1', () => {
    expect(() => new AimdLimiter(0)).toThrow(RangeError);
  });
});
