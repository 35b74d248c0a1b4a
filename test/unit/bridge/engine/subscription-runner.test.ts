import { describe, expect, it } from 'vitest';
import { SubscriptionRunner } from '#bridge/engine/subscription-runner';
import { BridgeEventEmitter, type BridgeEvents } from '#bridge/events';
import type { InvokeResult } from '#bridge/ports';
import { systemClock } from '#bridge/ports';
import { TouchManager } from '#bridge/touch-manager';
import { waitFor } from '#dev/services/wait';
import type { BridgeConfigInput } from '#shared/config/bridge-config';
import { bodyText, type NsqBatchEvent } from '#shared/contract/batch-event';
import { FakeDeadLetters, FakeDelivery, FakeInvoker, FakeSource, ok, subscriptionConfig } from '../fakes.ts';

type SubInput = Partial<BridgeConfigInput['subscriptions'][number]>;

function setup(
  sub: SubInput,
  script: (event: NsqBatchEvent, call: number) => InvokeResult | Promise<InvokeResult>,
) {
  const config = subscriptionConfig({
    maxWaitMs: 0,
    requeue: { baseDelayMs: 1000, maxDelayMs: 60_000, jitter: 'none' },
    ...sub,
  });
  const events = new BridgeEventEmitter();
  const seen: Array<{ name: keyof BridgeEvents; payload: unknown }> = [];
  for (const name of [
    'response_malformed',
    'throttled',
    'message_dead_lettered',
    'dead_letter_failed',
    'concurrency_changed',
    'error',
  ] as const)
    events.on(name, (payload: unknown) => seen.push({ name, payload }));
  const source = new FakeSource();
  const invoker = new FakeInvoker(script);
  const deadLetters = new FakeDeadLetters();
  const touch = new TouchManager({ clock: systemClock, events, sweepIntervalMs: 50 });
  const runner = new SubscriptionRunner(config, {
    invoker,
    deadLetters,
    events,
    clock: systemClock,
    touch,
    source,
    maxReqTimeoutMs: 3_600_000,
    random: () => 0.5,
    retryBackoff: { baseDelayMs: 5, maxDelayMs: 20 },
  });
  runner.start();
  const answered = (...ds: FakeDelivery[]) =>
    waitFor(() => ds.every((d) => d.answers.length > 0), { what: 'answers' });
  return { runner, source, invoker, deadLetters, events, seen, answered, touch };
}

const ids = (event: NsqBatchEvent) => event.messages.map((m) => m.id);

describe('SubscriptionRunner batching', () => {
  it('flushes at maxMessages and sends the encoded event', async () => {
    const t = setup({ maxMessages: 3, maxWaitMs: 60_000 }, () => ok());
    const ds = ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => new FakeDelivery(id));
    t.source.deliver(...ds);
    await t.answered(...ds);
    expect(t.invoker.calls.map((c) => ids(c.event))).toEqual([
      ['a', 'b', 'c'],
      ['d', 'e', 'f'],
    ]);
    const event = t.invoker.calls[0]?.event as NsqBatchEvent;
    expect(event).toMatchObject({ version: 1, source: 'nsq-lambda', subscription: 'orders' });
    expect(event.messages[0]).toMatchObject({
      id: 'a',
      attempts: 1,
      topic: 'orders',
      channel: 'bridge',
      nsqdAddress: '127.0.0.1:4150',
    });
    expect(bodyText(event.messages[0] as never)).toBe('body-a');
    expect(ds.every((d) => d.answers.length === 1 && d.answers[0]?.kind === 'finish')).toBe(true);
  });

  it('flushes a partial batch after maxWaitMs', async () => {
    const t = setup({ maxMessages: 100, maxWaitMs: 100 }, () => ok());
    const d = new FakeDelivery('x');
    const start = Date.now();
    t.source.deliver(d);
    await t.answered(d);
    expect(Date.now() - start).toBeGreaterThanOrEqual(90);
    expect(t.invoker.calls).toHaveLength(1);
  });

  it('keeps every payload within maxBytes (encoded size, base64 + envelope)', async () => {
    const t = setup({ maxMessages: 100, maxBytes: 4096, maxWaitMs: 20 }, () => ok());
    const ds = Array.from({ length: 12 }, (_, i) => new FakeDelivery(`m${i}`, Buffer.alloc(900, i)));
    t.source.deliver(...ds);
    await t.answered(...ds);
    expect(t.invoker.calls.length).toBeGreaterThan(2);
    for (const c of t.invoker.calls) expect(c.request.payload.byteLength).toBeLessThanOrEqual(4096);
    expect(t.invoker.calls.flatMap((c) => ids(c.event)).sort()).toEqual(ds.map((d) => d.id).sort());
  });

  it('never puts two deliveries with the same id in one batch (ids are unique per nsqd only)', async () => {
    const t = setup({ maxMessages: 10, maxWaitMs: 20 }, () => ok());
    const first = new FakeDelivery('dup', 'from nsqd A', 1, '127.0.0.1:4150');
    const second = new FakeDelivery('dup', 'from nsqd B', 1, '127.0.0.1:4250');
    const other = new FakeDelivery('other');
    t.source.deliver(first, second, other);
    await t.answered(first, second, other);
    for (const c of t.invoker.calls) expect(new Set(ids(c.event)).size).toBe(ids(c.event).length);
    expect(t.invoker.calls.length).toBe(2);
  });

  it('holds a redelivery of a message being invoked; the first answer covers it (no second invoke)', async () => {
    let release: () => void = () => {};
    const t = setup(
      { maxMessages: 10, maxWaitMs: 0 },
      () =>
        new Promise((r) => {
          release = () => r(ok());
        }),
    );
    const absorbed: number[] = [];
    t.events.on('message_redelivery_absorbed', (e) => absorbed.push(e.attempts));
    const first = new FakeDelivery('same', 'x', 1);
    t.source.deliver(first);
    await waitFor(() => t.invoker.calls.length === 1, { what: 'first invoke' });
    const redelivery = new FakeDelivery('same', 'x', 2);
    t.source.deliver(redelivery);
    expect(t.runner.status.inFlight).toBe(2);
    release();
    await t.answered(first);
    // The twin was settled by the first delivery's answer: nothing is left in flight.
    await waitFor(() => t.runner.status.inFlight === 0, { what: 'nothing in flight' });
    expect(first.answers).toEqual([{ kind: 'finish' }]);
    expect(redelivery.answers).toEqual([]);
    expect(absorbed).toEqual([2]);
    expect(t.invoker.calls).toHaveLength(1);
    expect(t.runner.status.queued).toBe(0);
  });

  it('drops queued messages of a closed connection without invoking them', async () => {
    let release: () => void = () => {};
    const t = setup({ maxMessages: 1, maxConcurrentInvocations: 1 }, (_e, call) =>
      call > 0
        ? ok()
        : new Promise((r) => {
            release = () => r(ok());
          }),
    );
    const invoking = new FakeDelivery('a', 'a', 1, '127.0.0.1:4150', 'conn-1');
    const queuedSame = new FakeDelivery('b', 'b', 1, '127.0.0.1:4150', 'conn-1');
    const queuedOther = new FakeDelivery('c', 'c', 1, '127.0.0.1:4250', 'conn-2');
    t.source.deliver(invoking, queuedSame, queuedOther);
    await waitFor(() => t.invoker.calls.length === 1, { what: 'first invoke' });
    t.source.onConnectionClosed?.('conn-1');
    expect(t.runner.status.inFlight).toBe(2);
    release();
    await t.answered(queuedOther);
    // The orphan is settled when its invocation ends, although no answer can be sent.
    await waitFor(() => t.runner.status.inFlight === 0, { what: 'nothing in flight' });
    expect(queuedSame.answers).toEqual([]);
    // The invocation of the orphaned message ran, but its answer is not sent down a closed connection.
    expect(invoking.answers).toEqual([]);
    expect(t.invoker.calls.flatMap((c) => ids(c.event))).toEqual(['a', 'c']);
    expect(t.runner.status.queued).toBe(0);
  });

  it('caps concurrent invocations with its own semaphore', async () => {
    let active = 0;
    let peak = 0;
    const t = setup({ maxMessages: 1, maxConcurrentInvocations: 3 }, async () => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 20));
      active--;
      return ok();
    });
    const ds = Array.from({ length: 12 }, (_, i) => new FakeDelivery(`c${i}`));
    t.source.deliver(...ds);
    await t.answered(...ds);
    expect(peak).toBe(3);
  });
});

describe('SubscriptionRunner outcomes', () => {
  it('ok: finishes the rest, requeues listed ids with their delay or the policy, dead-letters marked ones', async () => {
    const t = setup({ maxMessages: 4, maxWaitMs: 20 }, () =>
      ok({
        batchItemFailures: [
          { itemIdentifier: 'b' },
          { itemIdentifier: 'c', delayMs: 2500 },
          { itemIdentifier: 'd', action: 'deadLetter', reason: 'invalid input' },
        ],
      }),
    );
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((id) => new FakeDelivery(id)) as [
      FakeDelivery,
      FakeDelivery,
      FakeDelivery,
      FakeDelivery,
    ];
    t.source.deliver(a, b, c, d);
    await t.answered(a, b, c, d);
    expect(a.answers).toEqual([{ kind: 'finish' }]);
    expect(b.answers).toEqual([{ kind: 'requeue', delayMs: 1000 }]);
    expect(c.answers).toEqual([{ kind: 'requeue', delayMs: 2500 }]);
    expect(d.answers).toEqual([{ kind: 'finish' }]);
    expect(t.deadLetters.records).toHaveLength(1);
    expect(t.deadLetters.records[0]).toMatchObject({
      id: 'd',
      reasonKind: 'function',
      reason: 'invalid input',
      functionName: 'orders-fn',
    });
  });

  it('malformed response: requeues the whole batch with the policy delay and reports it', async () => {
    const t = setup({ maxMessages: 2, maxWaitMs: 20 }, () =>
      ok({ batchItemFailures: [{ itemIdentifier: 'nope' }] }),
    );
    const ds = [new FakeDelivery('a'), new FakeDelivery('b')];
    t.source.deliver(...ds);
    await t.answered(...ds);
    expect(ds.map((d) => d.answers)).toEqual([
      [{ kind: 'requeue', delayMs: 1000 }],
      [{ kind: 'requeue', delayMs: 1000 }],
    ]);
    expect(t.seen.filter((s) => s.name === 'response_malformed')).toHaveLength(1);
  });

  it('function error on a first delivery: requeues all with exponential policy delay, no bisect', async () => {
    const t = setup({ maxMessages: 2, maxWaitMs: 20 }, () => ({
      kind: 'functionError',
      errorType: 'Error',
      errorMessage: 'boom',
      durationMs: 1,
    }));
    const ds = [new FakeDelivery('a', 'x', 1), new FakeDelivery('b', 'y', 1)];
    t.source.deliver(...ds);
    await t.answered(...ds);
    expect(t.invoker.calls).toHaveLength(1);
    expect(ds.map((d) => d.answers[0])).toEqual([
      { kind: 'requeue', delayMs: 1000 },
      { kind: 'requeue', delayMs: 1000 },
    ]);
  });

  it('repeated whole-batch failure: bisects to isolate the poison message, healthy ones finish', async () => {
    const t = setup({ maxMessages: 8, maxWaitMs: 20 }, (event) =>
      ids(event).includes('poison')
        ? { kind: 'functionError', errorType: 'Error', errorMessage: 'poison inside', durationMs: 1 }
        : ok(),
    );
    const ds = ['a', 'b', 'c', 'poison', 'e', 'f', 'g', 'h'].map((id) => new FakeDelivery(id, id, 3));
    t.source.deliver(...ds);
    await t.answered(...ds);
    const poison = ds[3] as FakeDelivery;
    expect(poison.answers).toEqual([{ kind: 'requeue', delayMs: 4000 }]);
    for (const d of ds.filter((d) => d !== poison)) expect(d.answers).toEqual([{ kind: 'finish' }]);
    // 1 + 2 + 2 + 2 invocations: bounded by 1 + 2·log2(8).
    expect(t.invoker.calls.length).toBeLessThanOrEqual(7);
    expect(poison.answers).toHaveLength(1);
  });

  it('a systemic failure stops bisecting at its budget: bounded invocations, every message requeued once', async () => {
    const t = setup({ maxMessages: 16, maxWaitMs: 20 }, () => ({
      kind: 'functionError',
      errorType: 'DownstreamDown',
      errorMessage: 'database unreachable',
      durationMs: 1,
    }));
    const ds = Array.from({ length: 16 }, (_, i) => new FakeDelivery(`s${i}`, 'x', 2));
    t.source.deliver(...ds);
    await t.answered(...ds);
    // 1 whole-batch invoke + a budget of 4·log2(16) = 16 bisect invokes.
    expect(t.invoker.calls.length).toBeLessThanOrEqual(17);
    expect(ds.every((d) => d.answers.length === 1 && d.answers[0]?.kind === 'requeue')).toBe(true);
  });

  it('a transport failure (reset socket, 5xx) never bisects, even on a repeated delivery: one Invoke, all requeued', async () => {
    const t = setup({ maxMessages: 8, maxWaitMs: 20 }, () => ({
      kind: 'ambiguous',
      errorType: 'ECONNRESET',
      message: 'socket hang up',
      durationMs: 1,
    }));
    const ds = Array.from({ length: 8 }, (_, i) => new FakeDelivery(`r${i}`, 'x', 3));
    t.source.deliver(...ds);
    await t.answered(...ds);
    expect(t.invoker.calls).toHaveLength(1);
    expect(ds.every((d) => d.answers.length === 1 && d.answers[0]?.kind === 'requeue')).toBe(true);
  });

  it('a hang (invocation deadline) on a repeated delivery bisects, since one message may cause it', async () => {
    const t = setup({ maxMessages: 4, maxWaitMs: 20 }, (event) =>
      ids(event).includes('hang')
        ? { kind: 'ambiguous', errorType: 'Timeout', message: 'deadline passed', durationMs: 1 }
        : ok(),
    );
    const ds = ['a', 'hang', 'c', 'd'].map((id) => new FakeDelivery(id, id, 2));
    t.source.deliver(...ds);
    await t.answered(...ds);
    expect(ds.filter((d) => d.answers[0]?.kind === 'finish').map((d) => d.id)).toEqual(['a', 'c', 'd']);
    expect((ds[1] as FakeDelivery).answers[0]?.kind).toBe('requeue');
  });

  it('isolates two poison messages in different halves', async () => {
    const t = setup({ maxMessages: 16, maxWaitMs: 20 }, (event) =>
      ids(event).some((id) => id === 'p3' || id === 'p12')
        ? { kind: 'functionError', errorType: 'Error', errorMessage: 'poison', durationMs: 1 }
        : ok(),
    );
    const ds = Array.from({ length: 16 }, (_, i) => new FakeDelivery(`p${i}`, 'x', 2));
    t.source.deliver(...ds);
    await t.answered(...ds);
    const requeued = ds.filter((d) => d.answers[0]?.kind === 'requeue').map((d) => d.id);
    expect(requeued.sort()).toEqual(['p12', 'p3']);
  });

  it('throttled: keeps the messages, lowers the AIMD limit, retries without answering, then finishes', async () => {
    const t = setup({ maxMessages: 2, maxWaitMs: 20, maxConcurrentInvocations: 4 }, (_e, call) =>
      call < 2
        ? { kind: 'throttled', reason: 'ConcurrentInvocationLimitExceeded', retryAfterMs: 10, durationMs: 1 }
        : ok(),
    );
    const ds = [new FakeDelivery('a'), new FakeDelivery('b')];
    t.source.deliver(...ds);
    await t.answered(...ds);
    expect(ds.map((d) => d.answers)).toEqual([[{ kind: 'finish' }], [{ kind: 'finish' }]]);
    expect(t.invoker.calls).toHaveLength(3);
    expect(new Set(t.invoker.calls.map((c) => c.event.batchId)).size).toBe(1);
    const throttles = t.seen
      .filter((s) => s.name === 'throttled')
      .map((s) => (s.payload as { concurrencyLimit: number }).concurrencyLimit);
    expect(throttles).toEqual([2, 1]);
  });

  it('413: splits the batch and retries the halves; a single message too large is dead-lettered', async () => {
    const t = setup({ maxMessages: 4, maxWaitMs: 20 }, (event) =>
      event.messages.length > 1 || ids(event)[0] === 'huge'
        ? { kind: 'tooLarge', message: 'too large', durationMs: 1 }
        : ok(),
    );
    const ds = ['a', 'b', 'huge', 'd'].map((id) => new FakeDelivery(id));
    t.source.deliver(...ds);
    await t.answered(...ds);
    expect(ds.every((d) => d.answers.length === 1 && d.answers[0]?.kind === 'finish')).toBe(true);
    expect(t.deadLetters.records.map((r) => [r.id, r.reasonKind])).toEqual([['huge', 'undeliverable']]);
  });

  it('ambiguous and notExecuted: requeue with the policy delay (notExecuted retried in-process first)', async () => {
    const t = setup({ maxMessages: 1 }, (event) =>
      ids(event)[0] === 'amb'
        ? { kind: 'ambiguous', errorType: 'TimeoutError', message: 'socket timeout', durationMs: 1 }
        : { kind: 'notExecuted', errorType: 'ECONNREFUSED', message: 'refused', durationMs: 1 },
    );
    const amb = new FakeDelivery('amb');
    const ne = new FakeDelivery('ne');
    t.source.deliver(amb, ne);
    await t.answered(amb, ne);
    expect(amb.answers).toEqual([{ kind: 'requeue', delayMs: 1000 }]);
    expect(ne.answers).toEqual([{ kind: 'requeue', delayMs: 1000 }]);
    expect(t.invoker.calls.filter((c) => ids(c.event)[0] === 'ne')).toHaveLength(3);
  });
});

describe('SubscriptionRunner attempts and dead letters', () => {
  it('dead-letters on arrival when attempts > maxAttempts, without invoking, then FINs', async () => {
    const t = setup({ maxAttempts: 3 }, () => ok());
    const d = new FakeDelivery('old', Buffer.from([0, 255, 10]), 4);
    t.source.deliver(d);
    await t.answered(d);
    expect(t.invoker.calls).toHaveLength(0);
    expect(d.answers).toEqual([{ kind: 'finish' }]);
    expect(t.deadLetters.records[0]).toMatchObject({
      id: 'old',
      attempts: 4,
      reasonKind: 'maxAttempts',
      body: Buffer.from([0, 255, 10]).toString('base64'),
    });
  });

  it('dead-letters with full context when the last attempt fails', async () => {
    const t = setup({ maxAttempts: 2, maxMessages: 1 }, () => ({
      kind: 'functionError',
      errorType: 'TypeError',
      errorMessage: 'cannot read x',
      requestId: 'r-9',
      durationMs: 1,
    }));
    const d = new FakeDelivery('last', 'payload', 2);
    t.source.deliver(d);
    await t.answered(d);
    expect(d.answers).toEqual([{ kind: 'finish' }]);
    const r = t.deadLetters.records[0];
    expect(r).toMatchObject({
      id: 'last',
      attempts: 2,
      reasonKind: 'maxAttempts',
      functionName: 'orders-fn',
      topic: 'orders',
      channel: 'bridge',
      nsqdAddress: '127.0.0.1:4150',
      publishedAtMs: 1_700_000_000_000,
      lastError: { type: 'TypeError', message: 'cannot read x', requestId: 'r-9' },
    });
    expect(r?.deadLetteredAtMs).toBeGreaterThanOrEqual(r?.receivedAtMs ?? Number.POSITIVE_INFINITY);
  });

  it('requeues instead of finishing when the dead-letter write fails', async () => {
    const t = setup({ maxAttempts: 1, maxMessages: 1 }, () => ({
      kind: 'functionError',
      errorType: 'E',
      errorMessage: 'x',
      durationMs: 1,
    }));
    t.deadLetters.fail = true;
    const d = new FakeDelivery('keep', 'b', 1);
    t.source.deliver(d);
    await t.answered(d);
    expect(d.answers).toEqual([{ kind: 'requeue', delayMs: 1000 }]);
    expect(t.seen.filter((s) => s.name === 'dead_letter_failed')).toHaveLength(1);
  });
});

describe('SubscriptionRunner lifecycle', () => {
  it('drain: pauses, requeues queued messages at once, lets the invocation finish, answers all, closes', async () => {
    let release: () => void = () => {};
    const t = setup(
      { maxMessages: 1, maxConcurrentInvocations: 1 },
      () =>
        new Promise((r) => {
          release = () => r(ok());
        }),
    );
    const inflight = new FakeDelivery('inflight');
    const queued = new FakeDelivery('queued');
    t.source.deliver(inflight, queued);
    await waitFor(() => t.invoker.calls.length === 1, { what: 'first invoke' });
    const drained = t.runner.drain(Date.now() + 10_000);
    await waitFor(() => queued.answers.length === 1, { what: 'queued requeued' });
    expect(t.source.paused).toBe(true);
    expect(queued.answers).toEqual([{ kind: 'requeue', delayMs: 0 }]);
    expect(inflight.answers).toHaveLength(0);
    const late = new FakeDelivery('late');
    t.source.deliver(late);
    expect(late.answers).toEqual([{ kind: 'requeue', delayMs: 0 }]);
    release();
    expect(await drained).toBe(false);
    expect(inflight.answers).toEqual([{ kind: 'finish' }]);
    expect(t.source.closed).toBe(true);
    expect(t.invoker.calls).toHaveLength(1);
  });

  it('drain during a throttle wait requeues the held batch at once', async () => {
    const t = setup({ maxMessages: 2, maxWaitMs: 0 }, () => ({
      kind: 'throttled',
      reason: 'ConcurrentInvocationLimitExceeded',
      retryAfterMs: 60_000,
      durationMs: 1,
    }));
    const ds = [new FakeDelivery('a'), new FakeDelivery('b')];
    t.source.deliver(...ds);
    await waitFor(() => t.seen.some((s) => s.name === 'throttled'), { what: 'throttled' });
    const started = Date.now();
    expect(await t.runner.drain(Date.now() + 30_000)).toBe(false);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(ds.map((d) => d.answers)).toEqual([
      [{ kind: 'requeue', delayMs: 0 }],
      [{ kind: 'requeue', delayMs: 0 }],
    ]);
  });

  it('drain deadline: aborts the invocation still running and requeues its messages at once', async () => {
    const t = setup(
      { maxMessages: 1 },
      (_e, _call) =>
        new Promise((resolve) => {
          const signal = t.invoker.calls.at(-1)?.request.signal;
          signal?.addEventListener('abort', () =>
            resolve({ kind: 'ambiguous', errorType: 'AbortError', message: 'aborted', durationMs: 1 }),
          );
        }),
    );
    const d = new FakeDelivery('stuck');
    t.source.deliver(d);
    await waitFor(() => t.invoker.calls.length === 1, { what: 'invoking' });
    expect(await t.runner.drain(Date.now() + 200)).toBe(true);
    expect(d.answers).toEqual([{ kind: 'requeue', delayMs: 0 }]);
    expect(t.source.closed).toBe(true);
  });

  it('toggle stopped (requeue policy): pauses consumption, requeues with the toggle delay, resumes on started', async () => {
    const t = setup(
      { maxMessages: 10, maxWaitMs: 60_000, toggle: { policy: 'requeue', requeueDelayMs: 7000 } },
      () => ok(),
    );
    const waiting = new FakeDelivery('w');
    t.source.deliver(waiting);
    t.runner.applyToggle('stopped');
    expect(t.source.paused).toBe(true);
    expect(waiting.answers).toEqual([{ kind: 'requeue', delayMs: 7000 }]);
    t.runner.applyToggle('unknown'); // failMode open: unknown counts as started
    expect(t.source.paused).toBe(false);
    expect(t.invoker.calls).toHaveLength(0);
  });
});
