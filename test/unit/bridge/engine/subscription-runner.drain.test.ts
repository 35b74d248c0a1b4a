import { describe, expect, it } from 'vitest';
import { SubscriptionRunner } from '#bridge/engine/subscription-runner';
import { BridgeEventEmitter } from '#bridge/events';
import type { InvokeResult } from '#bridge/ports';
import { TouchManager } from '#bridge/touch-manager';
import {
  FakeClock,
  FakeDeadLetters,
  FakeDelivery,
  FakeInvoker,
  FakeSource,
  subscriptionConfig,
} from '../fakes.ts';

const settleMicrotasks = () => new Promise<void>((r) => setImmediate(r));

describe('SubscriptionRunner drain on the injected clock', () => {
  it('lets a running Invoke go on until the deadline on the clock, then aborts it and requeues at once', async () => {
    const clock = new FakeClock();
    const events = new BridgeEventEmitter();
    const source = new FakeSource();
    const invoker = new FakeInvoker(
      (_event, call) =>
        new Promise<InvokeResult>((resolve) => {
          const signal = invoker.calls[call]?.request.signal;
          signal?.addEventListener('abort', () =>
            resolve({ kind: 'ambiguous', errorType: 'Aborted', message: 'drain deadline', durationMs: 1 }),
          );
        }),
    );
    const runner = new SubscriptionRunner(subscriptionConfig({ maxWaitMs: 0 }), {
      invoker,
      deadLetters: new FakeDeadLetters(),
      events,
      clock,
      touch: new TouchManager({ clock, events, sweepIntervalMs: 1_000 }),
      source,
      maxReqTimeoutMs: 3_600_000,
    });
    runner.start();
    const d = new FakeDelivery('a');
    source.deliver(d);
    await settleMicrotasks();
    expect(invoker.calls).toHaveLength(1);
    const signal = invoker.calls[0]?.request.signal as AbortSignal;

    let timedOut: boolean | undefined;
    void runner.drain(clock.now() + 1_000).then((t) => {
      timedOut = t;
    });
    await settleMicrotasks();
    expect(source.paused).toBe(true);
    clock.advance(999);
    await settleMicrotasks();
    expect(signal.aborted).toBe(false);
    expect(d.answers).toEqual([]);
    clock.advance(1);
    for (let step = 0; step < 100 && timedOut === undefined; step++) {
      await settleMicrotasks();
      clock.advance(10);
    }
    expect(signal.aborted).toBe(true);
    expect(timedOut).toBe(true);
    expect(d.answers).toEqual([{ kind: 'requeue', delayMs: 0 }]);
    expect(source.closed).toBe(true);
  });
});
