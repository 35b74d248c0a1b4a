import { describe, expect, it } from 'vitest';
import { RatePacer } from '#bridge/engine/rate-pacer';
import { FakeClock } from '../fakes.ts';

function pacer(messagesPerSecond: number, burst: number) {
  const clock = new FakeClock();
  const admitted: { item: number; atMs: number }[] = [];
  const pauses: boolean[] = [];
  const p = new RatePacer<number>({
    messagesPerSecond,
    burst,
    clock,
    admit: (item) => admitted.push({ item, atMs: clock.now() }),
    setIntakePaused: (paused) => pauses.push(paused),
  });
  return { p, clock, admitted, pauses };
}

describe('RatePacer', () => {
  it('admits the burst at once, then one message per 1/rate, in arrival order', () => {
    const { p, clock, admitted } = pacer(10, 2);
    const start = clock.now();
    for (let i = 0; i < 6; i++) p.offer(i);
    expect(admitted.map((a) => a.item)).toEqual([0, 1]);
    clock.advance(1_000);
    expect(admitted.map((a) => a.item)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(admitted.map((a) => a.atMs - start)).toEqual([0, 0, 100, 200, 300, 400]);
  });

  it('over a long run the admitted rate is the configured rate', () => {
    const { p, clock, admitted } = pacer(25, 1);
    for (let i = 0; i < 1_000; i++) p.offer(i);
    clock.advance(20_000);
    // burst 1 at t=0, then 25 a second for 20 s.
    expect(admitted).toHaveLength(1 + 25 * 20);
  });

  it('pauses intake when burst + one second of the rate wait, and resumes at half of that', () => {
    const { p, clock, pauses } = pacer(4, 2);
    expect(p.holdLimit).toBe(6);
    for (let i = 0; i < 8; i++) p.offer(i); // 2 admitted (burst), 6 wait
    expect(pauses).toEqual([true]);
    expect(p.intakePaused).toBe(true);
    clock.advance(500); // 2 more admitted: 4 wait, still paused (no flapping at every token)
    expect(pauses).toEqual([true]);
    clock.advance(250); // 1 more: 3 wait, half the limit: resumed
    expect(pauses).toEqual([true, false]);
    p.offer(8);
    p.offer(9);
    p.offer(10); // 6 wait again: paused
    expect(pauses).toEqual([true, false, true]);
  });

  it('take() removes waiting items (a closed connection, drain) and stops the timer when none are left', () => {
    const { p, clock, admitted } = pacer(1, 1);
    for (let i = 0; i < 5; i++) p.offer(i);
    expect(p.take((i) => i % 2 === 0)).toEqual([2, 4]);
    expect(p.held).toBe(2);
    expect(p.take()).toEqual([1, 3]);
    clock.advance(10_000);
    expect(admitted.map((a) => a.item)).toEqual([0]);
  });
});
