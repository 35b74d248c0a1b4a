/**
 * The fault suite (issue 9): unique messages through the real bridge process, the local Lambda and
 * Redis (through the local Upstash endpoint) while everything that can go wrong does:
 *
 * - kill -9 of the bridge, twice, each time restarted;
 * - a clean nsqd restart;
 * - the function fails ~10% of its invocations and times out ~2% (seeded hash of the invocation number);
 * - the Lambda endpoint throttles with 429 in bursts (chaos proxy);
 * - Redis unreachable for a few seconds (chaos proxy in front of the Upstash endpoint);
 * - the Lambda endpoint dropping every connection for 2 s (ambiguous: the batch is requeued);
 * - 0.5% poison messages (schema-invalid) that the function dead-letters.
 *
 * The edge scenario runs the same recorder as an edge function on workerd, fed by the bridge's HTTP
 * invoker (test/fault/edge-target.ts), with the same accounting.
 *
 * Then: processed ∪ dead-lettered = published, every dead letter has a reason, duplicates are counted,
 * and with dedupe on, duplicate side effects = 0. A control run without dedupe shows the check can fail.
 * Documented in docs/faults.md.
 */
import { describe, expect, it } from 'vitest';
import { resetConnection } from '#test/harness/chaos-proxy';
import { expectEveryMessageAccounted } from './fault-accounting.ts';
import { useFaultScenario } from './fault-scenario.ts';

const faults = useFaultScenario();

describe('fault suite: nothing is lost', () => {
  it('20,000 messages through kill -9 ×2, an nsqd restart, failing, timing-out and throttled invocations, a Redis outage and a Lambda endpoint outage', async () => {
    const report = await faults.run({
      functionName: 'fault-recorder',
      messages: 20_000,
      poisonEvery: 200,
      failRate: 0.1,
      timeoutRate: 0.02,
      throttleBursts: true,
      batchDelayMs: 100,
      faults: async (ctx) => {
        await ctx.reach(0.1);
        await ctx.note('kill -9 #1');
        await ctx.killAndRestartBridge();
        await ctx.reach(0.3);
        await ctx.note('nsqd restart');
        await ctx.nsqd.restart();
        await ctx.reach(0.5);
        await ctx.note('Redis unreachable 4 s');
        await ctx.upstashProxy.during(4_000, resetConnection);
        await ctx.reach(0.7);
        await ctx.note('kill -9 #2');
        await ctx.killAndRestartBridge();
        await ctx.reach(0.85);
        await ctx.note('Lambda endpoint drops connections 2 s');
        await ctx.lambdaProxy.during(2_000, resetConnection);
      },
    });
    console.log(report.summary());

    // Nothing lost, nothing invented, poison dead-lettered and never run, a reason on every dead letter,
    // each processed message's side effect exactly once (dedupe).
    expectEveryMessageAccounted(report, 'fault-recorder');
    // Poison went to the dead letters with the validation reason.
    for (const r of report.records) {
      if (r.reasonKind === 'function') expect(r.reason).toMatch(/body failed validation/);
    }
    // The faults really struck, and produced duplicates that dedupe caught.
    expect(report.functionErrors).toBeGreaterThan(0);
    expect(report.timeouts).toBeGreaterThan(0);
    expect(report.throttled).toBeGreaterThan(0);
    expect(report.redisResets).toBeGreaterThan(0);
    expect(report.lambdaResets).toBeGreaterThan(0);
    expect(report.duplicatesCaught).toBeGreaterThan(0);
    // During the outage the function's toggle and rate limiter failed open and dedupe failed closed
    // (requeueing), and the bridge's toggle reads failed; failing open, it kept consuming.
    expect(report.kitCounters.ToggleUnknown ?? 0).toBeGreaterThan(0);
    expect(report.kitCounters.RateLimitUnknown ?? 0).toBeGreaterThan(0);
    expect(report.kitCounters.DedupeUnknown ?? 0).toBeGreaterThan(0);
    expect(report.bridgeOutput).toMatch(/toggle read failed/);
    // The last bridge drained cleanly.
    expect(report.bridgeExitCode).toBe(0);
  }, 240_000);

  it('control: without dedupe, a kill -9 mid-invocation duplicates side effects, and still nothing is lost', async () => {
    const report = await faults.run({
      functionName: 'fault-recorder-no-dedupe',
      messages: 3_000,
      poisonEvery: 0,
      failRate: 0,
      timeoutRate: 0,
      throttleBursts: false,
      batchDelayMs: 200,
      faults: async (ctx) => {
        await ctx.reach(0.3);
        await ctx.note('kill -9');
        await ctx.killAndRestartBridge();
      },
    });
    console.log(report.summary());
    expect(report.lost).toEqual([]);
    expect(report.unknown).toEqual([]);
    expect(report.records).toEqual([]);
    // The invocations the killed bridge left running completed their side effects; nsqd redelivered
    // those messages after msg_timeout and, without dedupe, they ran again.
    expect(report.duplicateSideEffects.length).toBeGreaterThan(0);
  }, 120_000);

  it('edge target: 3,000 messages into workerd through the HTTP invoker, through a kill -9, throttling, failing and hanging invocations, a Redis outage and dropped connections', async () => {
    const report = await faults.run({
      functionName: 'fault-recorder-edge',
      messages: 3_000,
      poisonEvery: 100,
      failRate: 0.05,
      timeoutRate: 0.01,
      throttleBursts: true,
      batchDelayMs: 100,
      faults: async (ctx) => {
        await ctx.reach(0.2);
        await ctx.note('kill -9');
        await ctx.killAndRestartBridge();
        await ctx.reach(0.45);
        await ctx.note('Redis unreachable 2 s');
        await ctx.upstashProxy.during(2_000, resetConnection);
        await ctx.reach(0.7);
        await ctx.note('workerd endpoint drops connections 2 s');
        await ctx.lambdaProxy.during(2_000, resetConnection);
      },
    });
    console.log(report.summary());
    // The same accounting as the Lambda target.
    expectEveryMessageAccounted(report, 'fault-recorder-edge');
    // With the default seed the injected failure and hang strike at invocations 14 and 28 (≥ 30 batches).
    expect(report.functionErrors).toBeGreaterThan(0);
    expect(report.timeouts).toBeGreaterThan(0);
    expect(report.throttled).toBeGreaterThan(0);
    expect(report.lambdaResets).toBeGreaterThan(0);
    expect(report.redisResets).toBeGreaterThan(0);
    expect(report.duplicatesCaught).toBeGreaterThan(0);
    expect(report.bridgeExitCode).toBe(0);
  }, 240_000);
});
