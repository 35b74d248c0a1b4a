import { describe, expect, it } from 'vitest';
import { ABORTED_SETTLE_MS, ANSWER_FLUSH_MS, Drain } from '#bridge/engine/drain';
import { FakeClock } from '../fakes.ts';

/** Lets pending promise callbacks run (no timer involved). */
const settleMicrotasks = () => new Promise<void>((r) => setImmediate(r));

function setup() {
  const clock = new FakeClock();
  const errors: Error[] = [];
  const drain = new Drain(clock, (e) => errors.push(e));
  return { clock, drain, errors };
}

/** Work that ends only when `signal` aborts (an Invoke that hangs until the drain deadline). */
const untilAborted = (signal: AbortSignal) =>
  new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));

describe('Drain', () => {
  it('settles at once, without the deadline passing, when no work runs', async () => {
    const { drain, clock } = setup();
    expect(drain.start()).toBe(true);
    expect(drain.start()).toBe(false);
    await expect(drain.settle(clock.now() + 1_000)).resolves.toBe(false);
  });

  it('waits for the work until the deadline on the clock, then aborts the Invokes still running', async () => {
    const { drain, clock } = setup();
    drain.track(untilAborted(drain.invokeSignal));
    drain.start();
    let timedOut: boolean | undefined;
    void drain.settle(clock.now() + 1_000).then((t) => {
      timedOut = t;
    });
    await settleMicrotasks();
    clock.advance(999);
    await settleMicrotasks();
    expect(timedOut).toBeUndefined();
    expect(drain.invokeSignal.aborted).toBe(false);
    clock.advance(1);
    await settleMicrotasks();
    expect(drain.invokeSignal.aborted).toBe(true);
    expect(timedOut).toBe(true);
    expect(drain.pending).toBe(0);
  });

  it('gives aborted work ABORTED_SETTLE_MS to return, on the clock', async () => {
    const { drain, clock } = setup();
    drain.track(new Promise<void>(() => {})); // ignores the abort
    let timedOut: boolean | undefined;
    void drain.settle(clock.now() + 10).then((t) => {
      timedOut = t;
    });
    await settleMicrotasks();
    clock.advance(10);
    await settleMicrotasks();
    expect(drain.invokeSignal.aborted).toBe(true);
    clock.advance(ABORTED_SETTLE_MS - 1);
    await settleMicrotasks();
    expect(timedOut).toBeUndefined();
    clock.advance(1);
    await settleMicrotasks();
    expect(timedOut).toBe(true);
    expect(drain.pending).toBe(1);
  });

  it('ends the settle when the work ends before the deadline', async () => {
    const { drain, clock } = setup();
    let finish = () => {};
    drain.track(new Promise<void>((r) => (finish = r)));
    const settled = drain.settle(clock.now() + 1_000);
    await settleMicrotasks();
    clock.advance(500);
    finish();
    await expect(settled).resolves.toBe(false);
    expect(drain.invokeSignal.aborted).toBe(false);
  });

  it('wakes a retry wait when draining starts, and reports failed work', async () => {
    const { drain, errors } = setup();
    let woke = false;
    void drain.sleep(60_000).then(() => {
      woke = true;
    });
    await settleMicrotasks();
    expect(woke).toBe(false);
    drain.start();
    await settleMicrotasks();
    expect(woke).toBe(true);
    drain.track(Promise.reject(new Error('bug')));
    await settleMicrotasks();
    expect(errors.map((e) => e.message)).toEqual(['bug']);
    expect(drain.pending).toBe(0);
    let slept = false;
    void drain.sleep(60_000).then(() => {
      slept = true;
    });
    await settleMicrotasks();
    expect(slept).toBe(true); // draining already: no wait
  });

  it('waits ANSWER_FLUSH_MS on the clock before the connections close', async () => {
    const { drain, clock } = setup();
    let flushed = false;
    void drain.flushAnswers().then(() => {
      flushed = true;
    });
    await settleMicrotasks();
    clock.advance(ANSWER_FLUSH_MS - 1);
    await settleMicrotasks();
    expect(flushed).toBe(false);
    clock.advance(1);
    await settleMicrotasks();
    expect(flushed).toBe(true);
  });
});
