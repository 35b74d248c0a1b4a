import { describe, expect, it } from 'vitest';
import { TrackedMessage } from '#bridge/delivery';
import { Answerer } from '#bridge/engine/answerer';
import { BatchQueue } from '#bridge/engine/batch-queue';
import { BridgeEventEmitter, type BridgeEvents } from '#bridge/events';
import { ThrottleRequeues } from '#bridge/throttle-requeues';
import { TouchManager } from '#bridge/touch-manager';
import { FakeClock, FakeDeadLetters, FakeDelivery, subscriptionConfig } from '../fakes.ts';

function setup() {
  const clock = new FakeClock();
  const events = new BridgeEventEmitter();
  const requeued: BridgeEvents['message_requeued'][0][] = [];
  const absorbed: string[] = [];
  events.on('message_requeued', (e) => requeued.push(e));
  events.on('message_redelivery_absorbed', (e) => absorbed.push(`${e.id}:${e.answer}`));
  const config = subscriptionConfig({
    maxAttempts: 3,
    requeue: { baseDelayMs: 1000, maxDelayMs: 60_000, jitter: 'none' },
  });
  const queue = new BatchQueue(
    { maxMessages: 10, maxBytes: 100_000, maxWaitMs: 0, emptyEventBytes: 100 },
    clock,
    () => {},
  );
  const deadLetters = new FakeDeadLetters();
  const throttleRequeues = new ThrottleRequeues();
  let draining = false;
  const answerer = new Answerer({
    config,
    events,
    clock,
    touch: new TouchManager({ clock, events, sweepIntervalMs: 1_000 }),
    deadLetters,
    queue,
    throttleRequeues,
    maxReqTimeoutMs: 10_000,
    random: () => 0.5,
    draining: () => draining,
  });
  const receive = (id: string, attempts = 1, connectionId = 'c1') => {
    const d = new FakeDelivery(id, `body-${id}`, attempts, '127.0.0.1:4150', connectionId);
    const m = new TrackedMessage(d, 'orders', 'orders', 'bridge', clock.now());
    answerer.received(m);
    return { d, m };
  };
  return {
    answerer,
    queue,
    deadLetters,
    throttleRequeues,
    requeued,
    absorbed,
    receive,
    drain: () => (draining = true),
  };
}

describe('Answerer', () => {
  it('answers once and counts in-flight and answered deliveries', () => {
    const t = setup();
    const a = t.receive('a');
    const b = t.receive('b');
    expect(t.answerer.inFlight).toBe(2);
    t.answerer.finish(a.m);
    t.answerer.requeue(a.m, 5, 'internal error');
    t.answerer.requeue(b.m, 99_999, 'toggle stopped');
    expect(a.d.answers).toEqual([{ kind: 'finish' }]);
    expect(b.d.answers).toEqual([{ kind: 'requeue', delayMs: 10_000 }]); // clamped to --max-req-timeout
    expect(t.requeued.map((e) => [e.cause, e.reason])).toEqual([['toggle stopped', 'toggle stopped']]);
    expect([t.answerer.inFlight, t.answerer.answeredCount]).toEqual([0, 2]);
  });

  it('gives an answer to the queued twins of the message (same id, same connection), not to others', () => {
    const t = setup();
    const a = t.receive('a');
    const twin = t.receive('a');
    const other = t.receive('a', 1, 'c2');
    t.queue.push(twin.m);
    t.queue.push(other.m);
    t.answerer.finish(a.m);
    expect(twin.m.answer).toEqual({ kind: 'finish' });
    expect(twin.d.answers).toEqual([]); // nsqd applied the first answer to it
    expect(other.m.answered).toBe(false);
    expect(t.absorbed).toEqual(['a:finish']);
    expect(t.answerer.inFlight).toBe(1);
  });

  it('fails with the policy delay, dead-letters at the last attempt, and requeues at once while draining', async () => {
    const t = setup();
    const first = t.receive('a', 1);
    const last = t.receive('b', 3);
    await t.answerer.fail([first.m, last.m], 'Error: boom', 'invoke failed');
    expect(first.d.answers).toEqual([{ kind: 'requeue', delayMs: 1000 }]);
    expect(t.requeued[0]).toMatchObject({ cause: 'invoke failed', reason: 'Error: boom' });
    expect(t.deadLetters.records.map((r) => [r.id, r.reasonKind, r.reason])).toEqual([
      ['b', 'maxAttempts', 'attempt 3 of 3 failed: Error: boom'],
    ]);
    expect(last.d.answers).toEqual([{ kind: 'finish' }]);
    t.drain();
    const c = t.receive('c', 2);
    await t.answerer.fail([c.m], 'Error: boom', 'invoke failed');
    expect(c.d.answers).toEqual([{ kind: 'requeue', delayMs: 0 }]);
  });

  it('requeues instead of finishing when the dead-letter write fails', async () => {
    const t = setup();
    t.deadLetters.fail = true;
    const a = t.receive('a', 1);
    await t.answerer.deadLetter([{ message: a.m, kind: 'undeliverable', reason: 'too big' }]);
    expect(a.d.answers).toEqual([{ kind: 'requeue', delayMs: 1000 }]);
    expect(t.requeued[0]?.cause).toBe('dead-letter write failed');
  });

  it('applies the function outcomes: finish, requeue with its delay (cause function), dead letter', async () => {
    const t = setup();
    const [a, b, c] = [t.receive('a'), t.receive('b'), t.receive('c')];
    await t.answerer.applyOutcomes(
      [a.m, b.m, c.m],
      new Map([
        ['b', { kind: 'requeue', delayMs: 7, reason: 'later' }],
        ['c', { kind: 'deadLetter', reason: 'bad' }],
      ] as never),
      'req-1',
    );
    expect([a.d.answers, b.d.answers, c.d.answers]).toEqual([
      [{ kind: 'finish' }],
      [{ kind: 'requeue', delayMs: 7 }],
      [{ kind: 'finish' }],
    ]);
    expect(t.requeued[0]).toMatchObject({ cause: 'function', reason: 'later' });
    expect(t.deadLetters.records[0]).toMatchObject({
      id: 'c',
      reasonKind: 'function',
      lastError: { requestId: 'req-1' },
    });
  });

  it('a throttle requeue spends no attempt; a dropped delivery sends nothing', () => {
    const t = setup();
    const a = t.receive('a', 1);
    t.answerer.requeueThrottled([a.m], 300);
    expect(t.requeued[0]?.cause).toBe('throttled');
    expect(t.throttleRequeues.discount(ThrottleRequeues.key('127.0.0.1:4150', 'a'), 2)).toBe(1);
    const b = t.receive('b');
    t.answerer.dropped(b.m);
    expect(b.d.answers).toEqual([]);
    expect(t.requeued[1]).toMatchObject({ cause: 'connection closed', delayMs: 0 });
    expect(t.answerer.inFlight).toBe(0);
  });
});
