import { describe, expect, it } from 'vitest';
import { AimdLimiter } from '#bridge/aimd-limiter';

describe('AimdLimiter', () => {
  it('halves on throttle down to 1 and climbs back by one per `limit` successes', () => {
    const l = new AimdLimiter(8);
    expect([l.decrease(), l.decrease(), l.decrease(), l.decrease()]).toEqual([4, 2, 1, 1]);
    expect(l.increase()).toBe(2);
    expect(l.increase()).toBe(2);
    expect(l.increase()).toBe(3);
    for (let i = 0; i < 100; i++) l.increase();
    expect(l.limit).toBe(8);
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
