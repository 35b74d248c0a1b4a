/**
 * rateLimit measured end to end with real nsqd and the local Lambda: the achieved invoke rate is within
 * ±10 % of the limit at three rates, and the limit spends no attempt (no REQ, every message invoked on
 * attempt 1). The rate is measured at the bridge, from each batch's start (maxMessages 1: one message
 * per Invoke), after the burst, once the function is warm (a cold start holds a concurrency slot for
 * a second, which is the function's latency, not the limit's).
 */
import { describe, expect, it } from 'vitest';
import { useServices, waitFor } from '#test/harness/services';
import { waitChannelIdle } from './bridge-harness.ts';
import { useFeatureLambda } from './feature-lambda.ts';

const services = useServices();
const feature = useFeatureLambda();

describe('rateLimit through the bridge and the local Lambda', () => {
  it.each([10, 25, 50])('%d messages/s: achieved within ±10 percent, never by REQ', async (rate) => {
    const nsqd = await services.nsqd();
    // A burst of a few lets the bucket make up for a late timer (a busy machine); burst 1 could not.
    const burst = 5;
    const count = burst + 2 * rate; // about 2 s at the limit
    const s = await feature.start(nsqd, {
      rateLimit: { messagesPerSecond: rate, burst },
      maxMessages: 1,
      maxConcurrentInvocations: 8,
      maxInFlight: 20,
      maxWaitMs: 0,
    });
    await nsqd.http.publish(s.topic, 'warm-up');
    await waitFor(() => s.seen.includes('warm-up'), { what: 'the function warm' });
    const starts: number[] = [];
    const pauses: string[] = [];
    s.events.on('batch_started', () => starts.push(performance.now()));
    s.events.on('paused', (e) => pauses.push(e.reason));
    const attempts: number[] = [];
    s.events.on('message_received', (e) => attempts.push(e.attempts));
    await nsqd.http.publishMany(
      s.topic,
      Array.from({ length: count }, (_, i) => `m${i}`),
    );
    const stats = await waitChannelIdle(nsqd, s.topic, s.channel, 30_000);
    expect(starts).toHaveLength(count);
    await waitFor(() => s.seen.length === count + 1, { what: 'every body seen by the function' });
    // After the burst, one token every 1/rate: (count - burst) messages over the span from the first start.
    const spanSec = ((starts.at(-1) as number) - (starts[0] as number)) / 1000;
    const achieved = (count - burst) / spanSec;
    console.log(`rateLimit ${rate}/s: achieved ${achieved.toFixed(2)}/s over ${spanSec.toFixed(2)} s`);
    expect(achieved).toBeGreaterThanOrEqual(rate * 0.9);
    expect(achieved).toBeLessThanOrEqual(rate * 1.1);
    expect(stats.requeue_count).toBe(0);
    expect(attempts.every((a) => a === 1)).toBe(true);
    // More messages waited than burst + 1 s of the rate: the bridge paused RDY rather than requeueing.
    if (rate < 20) expect(pauses).toContain('rateLimit');
  });

  it('two bridge tasks with rateLimitTaskCount 2 each take half: together they keep the limit', async () => {
    const nsqd = await services.nsqd();
    const rate = 20;
    const sub = {
      topic: `shared-${process.pid}`,
      rateLimit: { messagesPerSecond: rate, burst: 4 },
      maxMessages: 1,
      maxConcurrentInvocations: 4,
      maxInFlight: 4,
      maxWaitMs: 0,
    };
    const a = await feature.start(nsqd, sub, { rateLimitTaskCount: 2 });
    const b = await feature.start(nsqd, sub, { rateLimitTaskCount: 2 });
    await nsqd.http.publishMany(a.topic, ['warm-up', 'warm-up']);
    await waitFor(() => a.seen.filter((x) => x === 'warm-up').length === 2, { what: 'the function warm' });
    const starts = { a: [] as number[], b: [] as number[] };
    a.events.on('batch_started', () => starts.a.push(performance.now()));
    b.events.on('batch_started', () => starts.b.push(performance.now()));
    const count = 4 * rate; // about 4 s at the shared limit
    await nsqd.http.publishMany(
      a.topic,
      Array.from({ length: count }, (_, i) => `m${i}`),
    );
    const stats = await waitChannelIdle(nsqd, a.topic, a.channel, 30_000);
    expect(starts.a.length + starts.b.length).toBe(count);
    // Both tasks pull while both have messages: measure that window (from the first start to the end of
    // the task that ran out first), less the two half-bursts (2 each).
    const t0 = Math.min(starts.a[0] as number, starts.b[0] as number);
    const end = Math.min(starts.a.at(-1) as number, starts.b.at(-1) as number);
    const within = [...starts.a, ...starts.b].filter((t) => t <= end).length;
    const achieved = (within - 4) / ((end - t0) / 1000);
    console.log(
      `rateLimit ${rate}/s over 2 tasks: achieved ${achieved.toFixed(2)}/s (a ${starts.a.length}, b ${starts.b.length})`,
    );
    expect(achieved).toBeGreaterThanOrEqual(rate * 0.9);
    expect(achieved).toBeLessThanOrEqual(rate * 1.1);
    expect(stats.requeue_count).toBe(0);
  });
});
