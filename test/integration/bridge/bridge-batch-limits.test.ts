/**
 * The batch limits against a real nsqd and a real Invoke API server: `maxBytes` is a hard limit on the
 * event's encoded size.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { useServices, waitFor } from '#test/harness/services';
import { bodiesOf, eventOf, type Started, startBridge, waitChannelIdle } from './bridge-harness.ts';

const services = useServices();
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
});
