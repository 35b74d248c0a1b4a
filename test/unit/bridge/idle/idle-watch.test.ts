import { describe, expect, it } from 'vitest';
import { busyReason, type IdleSample, IdleWatch } from '#bridge/idle/idle-watch';

const quiet = (atMs: number, over: Partial<IdleSample> = {}): IdleSample => ({
  atMs,
  held: 0,
  received: 0,
  backlog: [{ subscription: 'orders', depth: 0, inFlight: 0, complete: true }],
  ...over,
});

describe('busyReason', () => {
  it.each<[string, Partial<IdleSample>, IdleSample | undefined, string | undefined]>([
    ['quiet', {}, undefined, undefined],
    ['held messages', { held: 2 }, undefined, '2 message(s) held'],
    [
      'received since the last check',
      { received: 3 },
      quiet(0),
      '3 message(s) received since the last check',
    ],
    ['first check with a received count', { received: 3 }, undefined, undefined],
    ['no reading', { backlog: [] }, undefined, 'orders: backlog unknown'],
    [
      'incomplete reading',
      { backlog: [{ subscription: 'orders', depth: 0, inFlight: 0, complete: false }] },
      undefined,
      'orders: backlog read incomplete',
    ],
    [
      'depth',
      { backlog: [{ subscription: 'orders', depth: 5, inFlight: 0, complete: true }] },
      undefined,
      'orders: depth 5',
    ],
    [
      'another consumer in flight',
      { backlog: [{ subscription: 'orders', depth: 0, inFlight: 1, complete: true }] },
      undefined,
      'orders: 1 in flight on nsqd',
    ],
  ])('%s', (_name, over, previous, expected) => {
    expect(busyReason(quiet(1_000, over), previous, ['orders'])).toBe(expected);
  });
});

describe('IdleWatch', () => {
  it('is idle only once every check for afterMs was quiet, never on one observation', () => {
    const watch = new IdleWatch(10_000, ['orders']);
    expect(watch.observe(quiet(0))).toBe(false);
    expect(watch.observe(quiet(5_000))).toBe(false);
    expect(watch.observe(quiet(9_999))).toBe(false);
    expect(watch.observe(quiet(10_000))).toBe(true);
  });

  it('starts the quiet period again after any busy check', () => {
    const watch = new IdleWatch(10_000, ['orders']);
    watch.observe(quiet(0));
    watch.observe(quiet(8_000, { received: 1 }));
    expect(watch.state.busy).toMatch(/received/);
    expect(watch.observe(quiet(12_000, { received: 1 }))).toBe(false);
    expect(watch.state.quietSinceMs).toBe(12_000);
    expect(watch.observe(quiet(21_999, { received: 1 }))).toBe(false);
    expect(watch.observe(quiet(22_000, { received: 1 }))).toBe(true);
  });

  it('a one-check afterMs still needs a second check', () => {
    const watch = new IdleWatch(1, ['orders']);
    expect(watch.observe(quiet(0))).toBe(false);
    expect(watch.observe(quiet(1))).toBe(true);
  });
});
