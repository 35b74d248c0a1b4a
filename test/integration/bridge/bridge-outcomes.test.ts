import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { useServices, waitFor } from '#test/harness/services';
import { bodiesOf, eventOf, type Started, startBridge, waitChannelIdle } from './bridge-harness.ts';

const services = useServices();
let current: Started | undefined;
afterEach(async () => {
  await current?.stop();
  current = undefined;
});

describe('bridge outcomes against a real nsqd and a real Invoke API server', () => {
  it('success: byte-exact binary bodies, every message FINished once, nothing requeued', async () => {
    const nsqd = await services.nsqd();
    const received: Buffer[] = [];
    current = await startBridge(
      nsqd,
      (call) => {
        for (const m of eventOf(call.payload).messages) received.push(Buffer.from(m.body, 'base64'));
        return { body: { batchItemFailures: [] } };
      },
      { maxMessages: 10 },
    );
    const bodies = [
      randomBytes(2048),
      Buffer.from([0, 10, 13, 255, 0]),
      Buffer.from('héllo ✓ \u0000'),
      randomBytes(100_000),
    ];
    await nsqd.http.publishMany(current.topic, bodies);
    const stats = await waitChannelIdle(nsqd, current.topic, current.channel);
    expect(received.map((b) => b.toString('hex')).sort()).toEqual(
      bodies.map((b) => b.toString('hex')).sort(),
    );
    expect(stats.message_count).toBe(bodies.length);
    expect(stats.requeue_count).toBe(0);
    expect(stats.timeout_count).toBe(0);
  });

  it('partial failure: listed ids are requeued (with their delay) and redelivered, the rest finish', async () => {
    const nsqd = await services.nsqd();
    const seen = new Map<string, number[]>();
    current = await startBridge(nsqd, (call) => {
      const event = eventOf(call.payload);
      const failures = [];
      for (const m of event.messages) {
        const body = Buffer.from(m.body, 'base64').toString();
        seen.set(body, [...(seen.get(body) ?? []), m.attempts]);
        if (body.startsWith('retry') && m.attempts === 1)
          failures.push({ itemIdentifier: m.id, delayMs: 100 });
      }
      return { body: { batchItemFailures: failures } };
    });
    await nsqd.http.publishMany(current.topic, ['ok-1', 'retry-1', 'ok-2', 'retry-2']);
    await waitFor(() => seen.get('retry-1')?.length === 2 && seen.get('retry-2')?.length === 2, {
      what: 'retries',
    });
    const stats = await waitChannelIdle(nsqd, current.topic, current.channel);
    expect(seen.get('retry-1')).toEqual([1, 2]);
    expect(seen.get('ok-1')).toEqual([1]);
    expect(stats.requeue_count).toBe(2);
    expect(stats.timeout_count).toBe(0);
  });

  it('function error: the whole batch is requeued with the policy delay, then succeeds', async () => {
    const nsqd = await services.nsqd();
    let calls = 0;
    current = await startBridge(
      nsqd,
      () =>
        ++calls === 1
          ? { functionError: 'Unhandled', body: { errorType: 'Error', errorMessage: 'boom' } }
          : { body: null },
      {
        maxMessages: 5,
        maxWaitMs: 200,
      },
    );
    await nsqd.http.publishMany(current.topic, ['a', 'b', 'c']);
    const stats = await waitChannelIdle(nsqd, current.topic, current.channel);
    expect(stats.requeue_count).toBe(3);
    expect(stats.timeout_count).toBe(0);
  });

  it('malformed response: the whole batch is requeued and counted', async () => {
    const nsqd = await services.nsqd();
    let calls = 0;
    const malformed: string[] = [];
    current = await startBridge(
      nsqd,
      () => (++calls === 1 ? { body: 'not json at all' } : { body: { batchItemFailures: [] } }),
      { maxMessages: 5, maxWaitMs: 200 },
    );
    current.events.on('response_malformed', (e) => malformed.push(e.problem));
    await nsqd.http.publishMany(current.topic, ['a', 'b']);
    const stats = await waitChannelIdle(nsqd, current.topic, current.channel);
    expect(stats.requeue_count).toBe(2);
    expect(malformed).toHaveLength(1);
  });

  it('ambiguous (socket destroyed mid-request, invocation timeout): the batch is requeued, then bisected on repeat', async () => {
    const nsqd = await services.nsqd();
    let calls = 0;
    const results: string[] = [];
    current = await startBridge(
      nsqd,
      () => {
        calls++;
        if (calls === 1) return { destroySocket: true };
        if (calls === 2) return { hang: true };
        return { body: null };
      },
      // maxMessages 2 with a long wait: both messages always travel together.
      { maxMessages: 2, maxWaitMs: 10_000, functionTimeoutMs: 1_000, invocationTimeoutMs: 1_500 },
    );
    current.events.on('batch_invoked', (e) => results.push(e.result.kind));
    await nsqd.http.publishMany(current.topic, ['a', 'b']);
    const stats = await waitChannelIdle(nsqd, current.topic, current.channel, 30_000);
    // 1st delivery: reset socket → both requeued. 2nd delivery: the invocation times out; the failure repeats
    // (attempts 2), so the batch is bisected and each half succeeds without another REQ.
    expect(results).toEqual(['ambiguous', 'ambiguous', 'ok', 'ok']);
    expect(stats.requeue_count).toBe(2);
    expect(stats.timeout_count).toBe(0);
  });

  it('not executed (unknown function): retried in-process without a REQ, then requeued', async () => {
    const nsqd = await services.nsqd();
    let calls = 0;
    const results: string[] = [];
    current = await startBridge(
      nsqd,
      () =>
        ++calls <= 4
          ? { status: 404, errorType: 'ResourceNotFoundException', message: 'Function not found' }
          : { body: null },
      { maxMessages: 5, maxWaitMs: 200 },
    );
    current.events.on('batch_invoked', (e) => results.push(e.result.kind));
    await nsqd.http.publish(current.topic, 'x');
    const stats = await waitChannelIdle(nsqd, current.topic, current.channel, 30_000);
    // 3 tries (1 + 2 retries) in the first delivery, then one REQ; the second delivery fails once, then succeeds.
    expect(results).toEqual(['notExecuted', 'notExecuted', 'notExecuted', 'notExecuted', 'ok']);
    expect(stats.requeue_count).toBe(1);
  });

  it('429: no attempt spent (no REQ), the same batch is retried, and the AIMD limit drops', async () => {
    const nsqd = await services.nsqd();
    let calls = 0;
    const attempts: number[] = [];
    current = await startBridge(
      nsqd,
      (call) => {
        if (++calls <= 2)
          return { throttle: { reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' } };
        for (const m of eventOf(call.payload).messages) attempts.push(m.attempts);
        return { body: { batchItemFailures: [] } };
      },
      { maxMessages: 5, maxWaitMs: 200, maxConcurrentInvocations: 4 },
    );
    const limits: number[] = [];
    current.events.on('throttled', (e) => limits.push(e.concurrencyLimit));
    await nsqd.http.publishMany(current.topic, ['a', 'b', 'c']);
    const stats = await waitChannelIdle(nsqd, current.topic, current.channel);
    expect(stats.requeue_count).toBe(0);
    expect(attempts).toEqual([1, 1, 1]);
    expect(limits).toEqual([2, 1]);
  });

  it('413: the batch is split in halves until it fits', async () => {
    const nsqd = await services.nsqd();
    const sizes: number[] = [];
    current = await startBridge(
      nsqd,
      (call) => {
        const n = eventOf(call.payload).messages.length;
        sizes.push(n);
        return n > 2 ? { tooLarge: true } : { body: { batchItemFailures: [] } };
      },
      { maxMessages: 8, maxWaitMs: 300 },
    );
    await nsqd.http.publishMany(current.topic, ['1', '2', '3', '4', '5', '6', '7', '8']);
    const stats = await waitChannelIdle(nsqd, current.topic, current.channel);
    expect(stats.requeue_count).toBe(0);
    expect(sizes.filter((n) => n <= 2).reduce((a, b) => a + b, 0)).toBe(8);
  });

  it('poison message: bisect isolates it, healthy neighbours finish, it reaches the dead letters after maxAttempts with context', async () => {
    const nsqd = await services.nsqd();
    const finished = new Set<string>();
    current = await startBridge(
      nsqd,
      (call) => {
        const event = eventOf(call.payload);
        const bodies = bodiesOf(event);
        if (bodies.includes('poison'))
          return {
            functionError: 'Unhandled',
            body: { errorType: 'PoisonError', errorMessage: 'cannot parse poison' },
          };
        for (const b of bodies) finished.add(b);
        return { body: { batchItemFailures: [] } };
      },
      { maxMessages: 8, maxWaitMs: 300, maxAttempts: 3 },
    );
    await nsqd.http.publishMany(current.topic, ['a', 'b', 'c', 'poison', 'e', 'f', 'g', 'h']);
    const stats = await waitChannelIdle(nsqd, current.topic, current.channel);
    expect([...finished].sort()).toEqual(['a', 'b', 'c', 'e', 'f', 'g', 'h']);
    expect(current.deadLetters.records).toHaveLength(1);
    const record = current.deadLetters.records[0];
    expect(record).toMatchObject({
      attempts: 3,
      reasonKind: 'maxAttempts',
      functionName: 'it-fn',
      topic: current.topic,
      channel: 'bridge',
      nsqdAddress: nsqd.tcpAddress,
    });
    expect(Buffer.from(record?.body ?? '', 'base64').toString()).toBe('poison');
    expect(record?.lastError?.type).toBe('PoisonError');
    expect(stats.timeout_count).toBe(0);
    // Attempt 1: whole batch requeued (8 REQ). Attempt 2: bisect finishes the 7, poison requeued. Attempt 3: dead-lettered.
    expect(stats.requeue_count).toBeLessThanOrEqual(9);
  });

  it('keeps a message alive with TOUCH while a slow invocation outlasts msg_timeout', async () => {
    const nsqd = await services.nsqd();
    current = await startBridge(
      nsqd,
      async () => {
        await new Promise((r) => setTimeout(r, 4_000));
        return { body: { batchItemFailures: [] } };
      },
      { maxMessages: 1, msgTimeoutMs: 1_500, touchIntervalMs: 400, functionTimeoutMs: 5_000 },
    );
    let touches = 0;
    current.events.on('message_touched', () => touches++);
    await nsqd.http.publish(current.topic, 'slow');
    const stats = await waitChannelIdle(nsqd, current.topic, current.channel);
    expect(stats.timeout_count).toBe(0);
    expect(stats.requeue_count).toBe(0);
    expect(touches).toBeGreaterThanOrEqual(4);
    expect(current.responder.calls).toHaveLength(1);
  });
});
