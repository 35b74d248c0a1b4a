/**
 * The batch limits against a real nsqd and a real Invoke API server: `maxBytes` is a hard limit on the
 * event's encoded size; `maxMessages` goes up to 10,000 where nsqd's --max-rdy-count allows the window,
 * and a bridge whose window an nsqd cannot serve (its IDENTIFY max_rdy_count) stops at start-up, listing
 * every such problem.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { useServices, waitFor } from '#test/harness/services';
import { bodiesOf, eventOf, type Started, startBridge, waitChannelIdle } from './bridge-harness.ts';
import { spawnBridge, useBridgeProcesses } from './bridge-process.ts';

const services = useServices();
const { processes } = useBridgeProcesses();
let current: Started | undefined;
afterEach(async () => {
  await current?.stop();
  current = undefined;
});

describe('batch limits', () => {
  it('maxBytes is a hard limit: no event is larger; a message too large for it alone is dead-lettered', async () => {
    const nsqd = await services.nsqd();
    const maxBytes = 2_048;
    const sizes: number[] = [];
    const received: string[] = [];
    current = await startBridge(
      nsqd,
      (call) => {
        sizes.push(call.payload.byteLength);
        received.push(...bodiesOf(eventOf(call.payload)));
        return { body: null };
      },
      { maxBytes, maxMessages: 100, maxWaitMs: 200 },
    );
    const small = Array.from({ length: 6 }, (_, i) => `${i}`.repeat(400));
    // 1,500 bytes are 2,000 in base64: with the envelope, over 2,048 on its own.
    const large = 'L'.repeat(1_500);
    await nsqd.http.publishMany(current.topic, [...small.slice(0, 3), large, ...small.slice(3)]);

    await waitFor(() => current?.deadLetters.records.length === 1 && received.length === small.length, {
      what: 'small ones invoked, the large one dead-lettered',
    });
    const stats = await waitChannelIdle(nsqd, current.topic, current.channel);

    expect(Math.max(...sizes)).toBeLessThanOrEqual(maxBytes);
    expect(sizes.length).toBeGreaterThan(1); // six small ones do not fit one event
    expect(received.sort()).toEqual([...small].sort());
    const [record] = current.deadLetters.records;
    expect(record?.reasonKind).toBe('undeliverable');
    expect(record?.reason).toMatch(/over the subscription's maxBytes \(2048/);
    expect(Buffer.from(record?.body ?? '', 'base64').toString()).toBe(large);
    expect(stats.requeue_count).toBe(0);
  });

  it('maxMessages 10,000 works where nsqd allows it (--max-rdy-count 10000): one Invoke of 10,000', async () => {
    const nsqd = await services.nsqd({ args: ['--max-rdy-count=10000'] });
    const batchSizes: number[] = [];
    current = await startBridge(
      nsqd,
      (call) => {
        batchSizes.push(eventOf(call.payload).messages.length);
        return { body: null };
      },
      // Only a full batch flushes within the test.
      { maxMessages: 10_000, maxConcurrentInvocations: 1, maxWaitMs: 120_000 },
    );
    await nsqd.http.publishMany(
      current.topic,
      Array.from({ length: 10_000 }, (_, i) => `m${i}`),
    );
    await waitFor(() => batchSizes.length > 0, { what: 'the full batch invoked', timeoutMs: 30_000 });
    const stats = await waitChannelIdle(nsqd, current.topic, current.channel, 30_000);
    expect(batchSizes).toEqual([10_000]);
    expect(stats.message_count).toBe(10_000);
    expect(stats.requeue_count).toBe(0);
  }, 60_000);

  it("refuses to start when an nsqd's max_rdy_count is below a subscription's window, listing every problem", async () => {
    const nsqd = await services.nsqd(); // --max-rdy-count 2500, nsqd's default
    for (const topic of ['wide', 'explicit', 'fits']) {
      await nsqd.http.createTopic(topic);
      await nsqd.http.createChannel(topic, 'c');
    }
    const p = spawnBridge({
      nsqdTcpAddresses: [nsqd.tcpAddress],
      deadLetter: { kind: 's3', bucket: 'unused' },
      lambda: { region: 'us-east-1', endpoint: 'http://127.0.0.1:9' },
      http: { port: 0 },
      backlog: { intervalMs: 0 },
      subscriptions: [
        { name: 'wide', functionName: 'f', topic: 'wide', channel: 'c', maxMessages: 1_000 },
        { name: 'explicit', functionName: 'f', topic: 'explicit', channel: 'c', maxInFlight: 3_000 },
        { name: 'fits', functionName: 'f', topic: 'fits', channel: 'c', maxMessages: 625 },
      ],
    });
    processes.push(p);
    expect(await p.exited).toBe(1);
    const out = p.output();
    expect(out).toMatch(/invalid bridge config \(2 problems\)/);
    expect(out).toMatch(
      /subscriptions\.wide: maxInFlight 4000 .*exceeds nsqd 127\.0\.0\.1:\d+'s max_rdy_count 2500; start nsqd with --max-rdy-count=4000/,
    );
    expect(out).toMatch(/subscriptions\.explicit: maxInFlight 3000 .*max_rdy_count 2500/);
    expect(out).not.toMatch(/subscriptions\.fits:/);
    // Nothing was consumed: the refused connections never subscribed.
    expect((await nsqd.http.channelStats('wide', 'c'))?.message_count ?? 0).toBe(0);
  }, 60_000);
});
