/**
 * A throttle (429) never pushes a message toward its dead letter, against a real nsqd: when the in-process
 * retry would outlast nsqd's --max-msg-timeout, the message is REQueued, and that delivery is not counted
 * although nsqd's own attempts counter goes up (bridge/src/throttle-requeues.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { useServices, waitFor } from '#test/harness/services';
import { eventOf, type Started, startBridge, waitChannelIdle } from './bridge-harness.ts';

const services = useServices();
let current: Started | undefined;
afterEach(async () => {
  await current?.stop();
  current = undefined;
});

describe('throttle requeues', () => {
  it('a 429 whose retry would outlast max-msg-timeout requeues without spending an attempt', async () => {
    // nsqd keeps a message in flight at most 3 s after delivery; a retry after 2 s plus a 1.5 s invocation
    // cannot fit, so each throttle REQueues.
    const nsqd = await services.nsqd({ args: ['--max-msg-timeout=3s'] });
    const throttles = 2;
    const seen: { body: string; attempts: number }[] = [];
    let calls = 0;
    current = await startBridge(
      nsqd,
      (call) => {
        for (const m of eventOf(call.payload).messages)
          seen.push({ body: Buffer.from(m.body, 'base64').toString(), attempts: m.attempts });
        return ++calls <= throttles
          ? {
              throttle: { reason: 'ReservedFunctionConcurrentInvocationLimitExceeded', retryAfterSeconds: 2 },
            }
          : { body: null };
      },
      {
        maxAttempts: 2,
        maxMessages: 1,
        msgTimeoutMs: 2_000,
        functionTimeoutMs: 1_000,
        invocationTimeoutMs: 1_500,
      },
      { maxMsgTimeoutMs: 3_000 },
    );
    const requeued: string[] = [];
    current.events.on('message_requeued', (e) => requeued.push(e.reason));

    await nsqd.http.publish(current.topic, 'throttled');
    await waitFor(() => calls > throttles, { what: 'the invocation after the throttles', timeoutMs: 20_000 });
    const stats = await waitChannelIdle(nsqd, current.topic, current.channel);

    // Each throttle was a REQ (nsqd counted three deliveries), none spent an attempt: the function saw
    // attempts 1 every time, and the message finished instead of reaching its dead letter at attempt 2.
    expect(current.deadLetters.records).toEqual([]);
    expect(seen).toEqual(Array.from({ length: throttles + 1 }, () => ({ body: 'throttled', attempts: 1 })));
    expect(requeued).toHaveLength(throttles);
    expect(requeued.every((r) => /throttled \(429\).*no attempt spent/.test(r))).toBe(true);
    expect(stats.requeue_count).toBe(throttles);
    expect(stats.message_count).toBe(1);
  }, 40_000);
});
