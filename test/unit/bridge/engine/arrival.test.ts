import { describe, expect, it } from 'vitest';
import type { TrackedMessage } from '#bridge/delivery';
import { Answerer } from '#bridge/engine/answerer';
import { Arrival } from '#bridge/engine/arrival';
import { BatchQueue } from '#bridge/engine/batch-queue';
import { Drain } from '#bridge/engine/drain';
import { PayloadBuilder } from '#bridge/engine/payload-builder';
import { BridgeEventEmitter } from '#bridge/events';
import { ThrottleRequeues } from '#bridge/throttle-requeues';
import { TouchManager } from '#bridge/touch-manager';
import { waitFor } from '#dev/services/wait';
import { FakeClock, FakeDeadLetters, FakeDelivery, subscriptionConfig } from '../fakes.ts';

function setup(queue: (m: TrackedMessage) => void = () => {}) {
  const clock = new FakeClock();
  const events = new BridgeEventEmitter();
  const config = subscriptionConfig({ maxAttempts: 3 });
  const received: string[] = [];
  events.on('message_received', (e) => received.push(`${e.id}:${e.attempts}:${e.bytes}`));
  const errors: Error[] = [];
  const deadLetters = new FakeDeadLetters();
  const drain = new Drain(clock, (error) => errors.push(error));
  const payloads = new PayloadBuilder({
    subscription: config.name,
    topic: config.topic,
    channel: config.channelName,
    maxBytes: config.maxBytes,
  });
  const batchQueue = new BatchQueue(
    { maxMessages: 10, maxBytes: 100_000, maxWaitMs: 0, emptyEventBytes: payloads.emptyEventBytes },
    clock,
    () => {},
  );
  const throttleRequeues = new ThrottleRequeues();
  const answerer = new Answerer({
    config,
    events,
    clock,
    touch: new TouchManager({ clock, events, sweepIntervalMs: 1_000 }),
    deadLetters,
    queue: batchQueue,
    throttleRequeues,
    maxReqTimeoutMs: 10_000,
    random: () => 0.5,
    draining: () => drain.draining,
  });
  const queued: TrackedMessage[] = [];
  const arrival = new Arrival({
    config,
    events,
    clock,
    payloads,
    answerer,
    throttleRequeues,
    drain,
    toggleStopped: () => false,
    queue: (m) => {
      queued.push(m);
      queue(m);
    },
    error: (error) => errors.push(error),
  });
  return { arrival, answerer, deadLetters, drain, queued, received, errors };
}

describe('Arrival', () => {
  it('tracks an admitted delivery (in flight, received) and hands it to the queue', () => {
    const t = setup();
    const d = new FakeDelivery('a', 'hello', 2);
    t.arrival.receive(d);
    expect(t.queued.map((m) => [m.id, m.attempts, m.receivedAtMs])).toEqual([['a', 2, 1_000_000]]);
    expect(t.received).toEqual(['a:2:5']);
    expect(t.answerer.inFlight).toBe(1);
    expect(d.answers).toEqual([]);
  });

  it('answers what admission keeps from any batch, and the drain tracks its dead-letter write', async () => {
    const t = setup();
    const d = new FakeDelivery('late', 'x', 4); // past maxAttempts 3
    t.arrival.receive(d);
    expect(t.queued).toEqual([]);
    expect(t.drain.pending).toBe(1);
    await waitFor(() => d.answers.length > 0 && t.drain.pending === 0, {
      what: 'the dead-lettered message finished and its write settled',
    });
    expect(d.answers).toEqual([{ kind: 'finish' }]);
    expect(t.deadLetters.records.map((r) => [r.id, r.reasonKind])).toEqual([['late', 'maxAttempts']]);
    expect(t.answerer.inFlight).toBe(0);
  });

  it('never throws: a failure reports an error and REQueues the message at once', () => {
    const t = setup(() => {
      throw new Error('queue broke');
    });
    const d = new FakeDelivery('b');
    expect(() => t.arrival.receive(d)).not.toThrow();
    expect(t.errors.map((e) => e.message)).toEqual(['queue broke']);
    expect(d.answers).toEqual([{ kind: 'requeue', delayMs: 0 }]);
    expect(t.answerer.inFlight).toBe(0);
  });
});
