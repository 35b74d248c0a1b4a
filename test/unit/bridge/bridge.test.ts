import { describe, expect, it } from 'vitest';
import { createBridge } from '#bridge/bridge';
import type { ToggleReading } from '#bridge/ports';
import { waitFor } from '#dev/services/wait';
import { FakeDeadLetters, FakeDelivery, FakeInvoker, FakeSource, ok, testConfig } from './fakes.ts';

function setup(toggle: { reading: ToggleReading } | undefined) {
  const sources: FakeSource[] = [];
  const config = testConfig({
    toggles: { pollIntervalMs: 100 },
    subscriptions: [
      { name: 'one', functionName: 'fn-one', topic: 'a', channel: 'c', maxWaitMs: 0 },
      {
        name: 'two',
        functionName: 'fn-two',
        toggleName: 'two-toggle',
        topic: 'b',
        channel: 'c',
        maxWaitMs: 0,
        toggle: { policy: 'drop' },
      },
    ],
  });
  const reads: string[] = [];
  const bridge = createBridge({
    config,
    invoker: new FakeInvoker(() => ok()),
    deadLetters: new FakeDeadLetters(),
    createSource: () => {
      const s = new FakeSource();
      sources.push(s);
      return s;
    },
    ...(toggle && {
      toggles: {
        read: async (name: string) => {
          reads.push(name);
          return toggle.reading;
        },
      },
    }),
  });
  return { bridge, sources, reads };
}

describe('createBridge', () => {
  it('starts every subscription, reports status, and drains them all, counting the answers', async () => {
    const { bridge, sources } = setup(undefined);
    const stopped: Array<{ answered: number; timedOut: boolean }> = [];
    bridge.events.on('stopped', (e) => stopped.push(e));
    expect(bridge.status.ready).toBe(false);
    bridge.start();
    await waitFor(() => sources.every((s) => s.onMessage), { what: 'sources started' });
    expect(bridge.status).toMatchObject({ running: true, draining: false, ready: true, inFlight: 0 });
    const d = new FakeDelivery('m1');
    sources[0]?.deliver(d);
    await waitFor(() => d.answers.length === 1, { what: 'answered' });
    const result = await bridge.stop();
    expect(result).toEqual({ timedOut: false });
    expect(stopped).toEqual([{ answered: 1, timedOut: false }]);
    expect(sources.every((s) => s.closed && s.paused)).toBe(true);
    expect(bridge.status).toMatchObject({ running: false, draining: true, ready: false });
    expect(await bridge.drain(1)).toEqual({ timedOut: false });
  });

  it('checks each distinct function once at start (DryRun preflight) and reports it per subscription', async () => {
    const config = testConfig({
      subscriptions: [
        { name: 'a', functionName: 'shared-fn', topic: 'a', channel: 'c' },
        { name: 'b', functionName: 'shared-fn', topic: 'b', channel: 'c' },
        { name: 'c', functionName: 'missing-fn', topic: 'c', channel: 'c' },
      ],
    });
    const checked: string[] = [];
    const invoker = Object.assign(new FakeInvoker(() => ok()), {
      async preflight(functionName: string) {
        checked.push(functionName);
        return functionName === 'missing-fn'
          ? {
              ok: false as const,
              errorType: 'ResourceNotFoundException',
              message: 'Function not found',
              durationMs: 2,
            }
          : { ok: true as const, durationMs: 1 };
      },
    });
    const bridge = createBridge({
      config,
      invoker,
      deadLetters: new FakeDeadLetters(),
      createSource: () => new FakeSource(),
    });
    const reports: unknown[] = [];
    bridge.events.on('function_preflight', (e) => reports.push(e));
    bridge.start();
    await waitFor(() => reports.length === 3, { what: 'three preflight reports' });
    expect(checked.sort()).toEqual(['missing-fn', 'shared-fn']);
    expect(reports).toEqual(
      expect.arrayContaining([
        { subscription: 'a', functionName: 'shared-fn', ok: true, durationMs: 1 },
        { subscription: 'b', functionName: 'shared-fn', ok: true, durationMs: 1 },
        {
          subscription: 'c',
          functionName: 'missing-fn',
          ok: false,
          durationMs: 2,
          errorType: 'ResourceNotFoundException',
          message: 'Function not found',
        },
      ]),
    );
    // A failed check does not keep the subscription from starting.
    await waitFor(() => bridge.status.ready, { what: 'every subscription started' });
    await bridge.stop();
  });

  it('reads the toggles before consuming and pauses only requeue-policy subscriptions, by toggleName', async () => {
    const toggle = { reading: 'stopped' as ToggleReading };
    const { bridge, sources, reads } = setup(toggle);
    bridge.start();
    await waitFor(() => sources.every((s) => s.onMessage), { what: 'sources started' });
    expect(reads).toContain('fn-one');
    expect(reads).not.toContain('two-toggle');
    expect(sources[0]?.paused).toBe(true);
    expect(sources[1]?.paused).toBe(false);
    expect(bridge.status.subscriptions.map((s) => s.paused)).toEqual([true, false]);
    toggle.reading = 'started';
    await waitFor(() => sources[0]?.paused === false, { what: 'resumed within a poll' });
    await bridge.stop();
  });
});
