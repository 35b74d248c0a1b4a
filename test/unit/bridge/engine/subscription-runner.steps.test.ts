/** The runner's arrival steps for filters, record age and the rate limit, with fakes behind the ports. */
import { describe, expect, it } from 'vitest';
import { SubscriptionRunner } from '#bridge/engine/subscription-runner';
import { BridgeEventEmitter } from '#bridge/events';
import type { Clock, InvokeResult } from '#bridge/ports';
import { systemClock } from '#bridge/ports';
import { TouchManager } from '#bridge/touch-manager';
import { waitFor } from '#dev/services/wait';
import type { BridgeConfigInput } from '#shared/config/bridge-config';
import type { NsqBatchEvent } from '#shared/contract/batch-event';
import {
  FakeClock,
  FakeDeadLetters,
  FakeDelivery,
  FakeInvoker,
  FakeSource,
  ok,
  subscriptionConfig,
} from '../fakes.ts';

type SubInput = Partial<BridgeConfigInput['subscriptions'][number]>;

/** A delivery published `ageMs` before `nowMs`. */
function delivery(id: string, body: string, ageMs: number, nowMs = Date.now()): FakeDelivery {
  const d = new FakeDelivery(id, body);
  Object.defineProperty(d, 'timestampMs', { value: nowMs - ageMs });
  return d;
}

function setup(
  sub: SubInput,
  script: (e: NsqBatchEvent) => InvokeResult = () => ok(),
  clock: Clock = systemClock,
) {
  const config = subscriptionConfig({ maxWaitMs: 0, ...sub });
  const events = new BridgeEventEmitter();
  const log: string[] = [];
  events.on('message_filtered_out', (e) => log.push(`filtered ${e.id} ${e.action}`));
  events.on('message_expired', (e) => log.push(`expired ${e.id} ${e.at} ${e.action}`));
  events.on('paused', (e) => log.push(`paused ${e.reason}`));
  events.on('resumed', () => log.push('resumed'));
  const source = new FakeSource();
  const invoker = new FakeInvoker(script);
  const deadLetters = new FakeDeadLetters();
  const touch = new TouchManager({ clock, events, sweepIntervalMs: 50 });
  const runner = new SubscriptionRunner(config, {
    invoker,
    deadLetters,
    events,
    clock,
    touch,
    source,
    maxReqTimeoutMs: 3_600_000,
    random: () => 0.5,
  });
  runner.start();
  return { runner, source, invoker, deadLetters, log, touch };
}

describe('SubscriptionRunner: filters and record age', () => {
  it('a message matching no filter is FINished without an invoke; a matching one is invoked', async () => {
    const t = setup({ filters: [{ body: { kind: ['a'] } }] });
    const keep = delivery('k', '{"kind":"a"}', 0);
    const skip = delivery('s', '{"kind":"b"}', 0);
    t.source.deliver(keep, skip);
    await waitFor(() => keep.answers.length > 0, { what: 'the kept message answered' });
    expect(skip.answers).toEqual([{ kind: 'finish' }]);
    expect(t.invoker.calls.flatMap((c) => c.event.messages.map((m) => m.id))).toEqual(['k']);
    expect(t.log).toEqual(['filtered s finish']);
    expect(t.runner.status.inFlight).toBe(0);
    t.touch.stop();
  });

  it('onFilteredOut deadLetter writes a `filtered` record before the FIN', async () => {
    const t = setup({ filters: [{ body: [{ prefix: 'x' }] }], onFilteredOut: 'deadLetter' });
    const d = delivery('s', 'y', 0);
    t.source.deliver(d);
    await waitFor(() => d.answers.length > 0, { what: 'answered' });
    expect(t.deadLetters.records.map((r) => [r.id, r.reasonKind])).toEqual([['s', 'filtered']]);
    expect(t.invoker.calls).toHaveLength(0);
    t.touch.stop();
  });

  it('expired on arrival: dead-lettered `expired` (default) or dropped, never invoked', async () => {
    const dl = setup({ maxRecordAgeMs: 60_000 });
    const old = delivery('o', 'x', 61_000);
    dl.source.deliver(old);
    await waitFor(() => old.answers.length > 0, { what: 'answered' });
    expect(dl.deadLetters.records.map((r) => r.reasonKind)).toEqual(['expired']);
    expect(dl.log).toEqual(['expired o receive deadLetter']);
    const drop = setup({ maxRecordAgeMs: 60_000, onExpired: 'drop' });
    const old2 = delivery('p', 'x', 61_000);
    drop.source.deliver(old2);
    expect(old2.answers).toEqual([{ kind: 'finish' }]);
    expect(drop.deadLetters.records).toEqual([]);
    expect(dl.invoker.calls.length + drop.invoker.calls.length).toBe(0);
    dl.touch.stop();
    drop.touch.stop();
  });

  it('a requeue that would come back past maxRecordAgeMs is not sent: the message expires instead', async () => {
    const t = setup({ maxRecordAgeMs: 60_000 }, (e) =>
      ok({ batchItemFailures: e.messages.map((m) => ({ itemIdentifier: m.id, delayMs: 30_000 })) }),
    );
    const late = delivery('late', 'x', 40_000); // back at 70 s: expired
    const soon = delivery('soon', 'y', 10_000); // back at 40 s: requeued
    t.source.deliver(late, soon);
    await waitFor(() => late.answers.length > 0 && soon.answers.length > 0, { what: 'answers' });
    expect(late.answers).toEqual([{ kind: 'finish' }]);
    expect(soon.answers).toEqual([{ kind: 'requeue', delayMs: 30_000 }]);
    expect(t.deadLetters.records.map((r) => [r.id, r.reasonKind])).toEqual([['late', 'expired']]);
    expect(t.log).toEqual(['expired late retry deadLetter']);
    t.touch.stop();
  });
});

describe('SubscriptionRunner: record age before an in-bridge retry', () => {
  it('a throttled batch whose messages pass maxRecordAgeMs while they wait is not invoked again', async () => {
    const clock = new FakeClock();
    const t = setup(
      { maxRecordAgeMs: 60_000 },
      () => ({
        kind: 'throttled',
        reason: 'ConcurrentInvocationLimitExceeded',
        retryAfterMs: 2_000,
        durationMs: 1,
      }),
      clock,
    );
    const old = delivery('old', 'x', 59_000, clock.now()); // 61 s old when the retry is due
    const young = delivery('young', 'y', 1_000, clock.now());
    t.source.deliver(old, young);
    // maxWaitMs 0: each message is a batch of its own; both are throttled.
    await waitFor(() => t.invoker.calls.length === 2, { what: 'the first invokes' });
    clock.advance(2_000);
    await waitFor(() => old.answers.length > 0 && t.invoker.calls.length === 3, { what: 'the retries' });
    const invoked = t.invoker.calls.map((c) => c.event.messages.map((m) => m.id).join());
    expect(invoked.slice(2)).toEqual(['young']);
    expect(old.answers).toEqual([{ kind: 'finish' }]);
    expect(t.deadLetters.records.map((r) => [r.id, r.reasonKind])).toEqual([['old', 'expired']]);
    expect(t.log).toEqual(['expired old retry deadLetter']);
    t.runner.applyToggle('stopped');
    t.touch.stop();
  });
});

describe('SubscriptionRunner: rate limit', () => {
  it('admits by token, pauses RDY while too many wait, and a toggle pause outlasts the rate pause', async () => {
    const clock = new FakeClock();
    const t = setup({ rateLimit: { messagesPerSecond: 2, burst: 1 }, maxMessages: 1 }, () => ok(), clock);
    const ds = ['a', 'b', 'c', 'd'].map((id) => delivery(id, id, 0, clock.now()));
    t.source.deliver(...ds);
    await waitFor(() => t.invoker.calls.length === 1, { what: 'the burst invoked' });
    // 3 wait ≥ burst + 2/s: paused, nothing requeued.
    expect(t.source.paused).toBe(true);
    expect(t.runner.status.queued).toBe(3);
    t.runner.applyToggle('stopped');
    // The toggle requeues the waiting messages; the rate limit lets go, the toggle still holds RDY 0.
    expect(ds.slice(1).map((d) => d.answers)).toEqual([
      [{ kind: 'requeue', delayMs: 30_000 }],
      [{ kind: 'requeue', delayMs: 30_000 }],
      [{ kind: 'requeue', delayMs: 30_000 }],
    ]);
    expect(t.source.paused).toBe(true);
    t.runner.applyToggle('started');
    expect(t.source.paused).toBe(false);
    expect(t.log).toEqual(['paused rateLimit', 'paused toggle', 'resumed']);
    // Tokens come at the rate, one every 500 ms, whatever paused in between.
    const more = ['e', 'f'].map((id) => delivery(id, id, 0, clock.now()));
    t.source.deliver(...more);
    clock.advance(500);
    await waitFor(() => t.invoker.calls.length === 2, { what: 'the next token' });
    clock.advance(499);
    await new Promise((r) => setImmediate(r));
    expect(t.invoker.calls).toHaveLength(2);
    clock.advance(1);
    await waitFor(() => t.invoker.calls.length === 3, { what: 'the one after' });
    t.touch.stop();
  });
});
