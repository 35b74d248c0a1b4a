import { describe, expect, it } from 'vitest';
import type { BridgeConfigInput } from '#shared/config/bridge-config';
import { startInvokeResponder } from '#test/harness/invoke-responder';
import { waitChannelSettled } from '#test/harness/nsq-channel';
import { useServices, waitFor } from '#test/harness/services';
import { readMemoryUse } from '../../../bench/proc.ts';
import { eventOf, startBridge, waitChannelIdle } from './bridge-harness.ts';
import { type BridgeProcess, spawnBridge, useBridgeProcesses } from './bridge-process.ts';

const services = useServices();
const { processes, responders } = useBridgeProcesses();

function processConfig(
  nsqdTcp: string,
  nsqdHttp: string,
  endpoint: string,
  topic: string,
  sub: Record<string, unknown> = {},
): BridgeConfigInput {
  return {
    nsqdTcpAddresses: [nsqdTcp],
    lambda: { region: 'us-east-1', endpoint },
    deadLetter: { kind: 'nsq', topic: 'dead-letters', nsqdHttpAddresses: [nsqdHttp] },
    http: { host: '127.0.0.1', port: 0 },
    drain: { deadlineMs: 20_000 },
    subscriptions: [
      { name: 'proc', functionName: 'proc-fn', topic, channel: 'bridge', maxWaitMs: 20, ...sub },
    ],
  };
}

const gauge = (metrics: string, name: string) =>
  Number(new RegExp(`^nsq_lambda_${name} (\\S+)$`, 'm').exec(metrics)?.[1]);

/**
 * The process figures of a running bridge's /metrics (process-metrics.ts): RSS as the kernel counts it,
 * heap below it, the event-loop delay over a window that each scrape closes.
 */
async function expectProcessGauges(url: string, p: BridgeProcess, spawnedAtMs: number): Promise<void> {
  const scrape = async () => (await fetch(`${url}/metrics`)).text();
  const metrics = await scrape();
  const kernelRss = readMemoryUse(p.child.pid ?? 0).rssBytes;
  const rss = gauge(metrics, 'process_resident_memory_bytes');
  expect(rss / kernelRss).toBeGreaterThan(0.8);
  expect(rss / kernelRss).toBeLessThan(1.25);
  expect(gauge(metrics, 'process_heap_used_bytes')).toBeGreaterThan(1e6);
  expect(gauge(metrics, 'process_heap_used_bytes')).toBeLessThan(rss);
  const p99 = gauge(metrics, 'event_loop_delay_p99_seconds');
  expect(p99).toBeGreaterThanOrEqual(0);
  expect(p99).toBeLessThanOrEqual(gauge(metrics, 'event_loop_delay_max_seconds'));
  expect(gauge(metrics, 'event_loop_delay_max_seconds')).toBeLessThan(10);
  // The first window runs from the start to this scrape; the next one from this scrape on.
  const first = gauge(metrics, 'event_loop_delay_window_seconds');
  expect(first).toBeGreaterThan(0);
  expect(first).toBeLessThan((performance.now() - spawnedAtMs) / 1_000);
  const next = await waitFor(
    async () => {
      const w = gauge(await scrape(), 'event_loop_delay_window_seconds');
      return w < first ? w : undefined;
    },
    { what: 'a delay window that starts at the previous scrape' },
  );
  expect(next).toBeGreaterThan(0);
}

describe('bridge process lifecycle', () => {
  it('exits 1 listing every config problem', async () => {
    const p = spawnBridge({
      nsqdTcpAddresses: [],
      deadLetter: { kind: 's3', bucket: 'x' },
      subscriptions: [
        { name: 'a', functionName: 'f', topic: 'bad topic', channel: 'c', maxMessages: 10, maxInFlight: 2 },
      ],
    } as unknown as BridgeConfigInput);
    processes.push(p);
    expect(await p.exited).toBe(1);
    expect(p.output()).toMatch(/invalid bridge config/);
    expect(p.output()).toMatch(/topic: must match/);
    expect(p.output()).toMatch(/no nsqd TCP or nsqlookupd HTTP addresses/);
  });

  it('SIGTERM drains: in-flight invocations finish and are FINished, queued messages are requeued at once, exit 0, nothing times out', async () => {
    const nsqd = await services.nsqd();
    const topic = 'drain';
    await nsqd.http.createTopic(topic);
    await nsqd.http.createChannel(topic, 'bridge');
    const invoked: string[] = [];
    const responder = await startInvokeResponder(async (call) => {
      for (const m of eventOf(call.payload).messages) invoked.push(m.id);
      await new Promise((r) => setTimeout(r, 2_000));
      return { body: { batchItemFailures: [] } };
    });
    responders.push(responder);
    const spawnedAtMs = performance.now();
    const p = spawnBridge(
      processConfig(nsqd.tcpAddress, nsqd.httpAddress, responder.endpoint, topic, {
        maxMessages: 2,
        maxConcurrentInvocations: 2,
        maxInFlight: 10,
      }),
      { LOG_LEVEL: 'info' },
    );
    processes.push(p);
    const url = await waitFor(() => p.output().match(/"http":"(http:\/\/[^"]+)"/)?.[1], {
      what: 'the ops URL in the start log',
      timeoutMs: 20_000,
    });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, {
      what: '/readyz 200 once connected',
    });
    await nsqd.http.publishMany(
      topic,
      Array.from({ length: 10 }, (_, i) => `m${i}`),
    );
    await waitFor(() => invoked.length >= 4, { what: 'two invocations in flight', timeoutMs: 20_000 });
    await expectProcessGauges(url, p, spawnedAtMs);
    p.kill('SIGTERM');
    await waitFor(async () => (await fetch(`${url}/readyz`).catch(() => undefined))?.status !== 200, {
      what: 'not ready while draining',
    });
    expect(await p.exited).toBe(0);
    expect(p.output()).not.toMatch(/"level":"error"/);
    // nsqd reads the FINs and REQs the bridge wrote before it exited after the exit: let the channel settle.
    const stats = await waitChannelSettled(nsqd, topic, 'bridge', (s) => s.in_flight_count === 0, {
      what: 'nothing in flight after the drain',
    });
    expect(stats.in_flight_count).toBe(0);
    expect(stats.timeout_count).toBe(0);
    // Everything invoked was FINished; everything else went back at once (REQ 0) and waits in the channel.
    expect(invoked).toHaveLength(4);
    expect(stats.depth).toBe(10 - invoked.length);
    expect(stats?.requeue_count).toBe(10 - invoked.length);
  });

  it('checks each function with a DryRun at start: a missing one is logged as an error and the bridge keeps consuming', async () => {
    const nsqd = await services.nsqd();
    const topic = 'preflight';
    await nsqd.http.createTopic(topic);
    await nsqd.http.createChannel(topic, 'bridge');
    const responder = await startInvokeResponder(undefined, {
      dryRun: (call) => ({
        status: 404,
        errorType: 'ResourceNotFoundException',
        message: `Function not found: ${call.functionName}`,
      }),
    });
    responders.push(responder);
    const p = spawnBridge(processConfig(nsqd.tcpAddress, nsqd.httpAddress, responder.endpoint, topic), {
      LOG_LEVEL: 'info',
    });
    processes.push(p);
    const line = await waitFor(
      () =>
        p
          .output()
          .split('\n')
          .find((l) => l.includes('"event":"function_preflight"')),
      { what: 'the preflight log line', timeoutMs: 20_000 },
    );
    expect(JSON.parse(line)).toMatchObject({
      level: 'error',
      subscription: 'proc',
      functionName: 'proc-fn',
      ok: false,
      errorType: 'ResourceNotFoundException',
    });
    expect(responder.dryRuns.map((c) => c.functionName)).toEqual(['proc-fn']);
    expect(responder.calls).toHaveLength(0);
    // Consumption did not wait for it, nor stop because of it: once the function answers, messages flow.
    await nsqd.http.publish(topic, 'after the check');
    await waitFor(async () => (await nsqd.http.channelStats(topic, 'bridge'))?.message_count === 1, {
      what: 'the message delivered',
    });
    await waitChannelIdle(nsqd, topic, 'bridge');
    expect(responder.calls).toHaveLength(1);
    p.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it('kill -9 mid-batch: nsqd redelivers every message after msg_timeout and none is lost', async () => {
    const nsqd = await services.nsqd();
    const topic = 'killed';
    await nsqd.http.createTopic(topic);
    await nsqd.http.createChannel(topic, 'bridge');
    const responder = await startInvokeResponder(() => ({ hang: true }));
    responders.push(responder);
    const p = spawnBridge(
      processConfig(nsqd.tcpAddress, nsqd.httpAddress, responder.endpoint, topic, {
        maxMessages: 5,
        maxWaitMs: 200,
        msgTimeoutMs: 2_000,
        touchIntervalMs: 500,
      }),
    );
    processes.push(p);
    const bodies = ['k1', 'k2', 'k3', 'k4', 'k5'];
    await nsqd.http.publishMany(topic, bodies);
    await waitFor(() => responder.calls.length >= 1, { what: 'the batch invoked', timeoutMs: 20_000 });
    p.kill('SIGKILL');
    await p.exited;
    // A second bridge picks everything up once nsqd times the orphans out.
    const seen = new Map<string, number>();
    const second = await startBridge(
      nsqd,
      (call) => {
        for (const m of eventOf(call.payload).messages)
          seen.set(Buffer.from(m.body, 'base64').toString(), m.attempts);
        return { body: { batchItemFailures: [] } };
      },
      { topic, channel: 'bridge', maxMessages: 5 },
    );
    try {
      const stats = await waitChannelIdle(nsqd, topic, 'bridge', 30_000);
      expect([...seen.keys()].sort()).toEqual(bodies);
      expect([...seen.values()].every((a) => a === 2)).toBe(true);
      expect(stats.timeout_count).toBe(5);
    } finally {
      await second.stop();
    }
  });

  it('an nsqd restart during an invocation: the late answer goes nowhere, nothing crashes, the message comes back and is processed', async () => {
    const nsqd = await services.nsqd();
    const attempts: number[] = [];
    let release: () => void = () => {};
    const s = await startBridge(
      nsqd,
      async (call) => {
        for (const m of eventOf(call.payload).messages) attempts.push(m.attempts);
        if (attempts.length === 1)
          await new Promise<void>((r) => {
            release = r;
          });
        return { body: { batchItemFailures: [] } };
      },
      { maxMessages: 1 },
    );
    const errors: string[] = [];
    s.events.on('error', (e) => errors.push(e.error.message));
    try {
      await nsqd.http.publish(s.topic, 'in flight across a restart');
      await waitFor(() => attempts.length === 1, { what: 'invoking' });
      // A clean nsqd shutdown writes in-flight messages to disk; they come back after the restart.
      await nsqd.restart();
      release();
      await waitFor(() => attempts.length === 2, {
        what: 'redelivered after the restart',
        timeoutMs: 30_000,
      });
      // nsqd's counters start again at 0 after a restart (the message came back from disk): count the FIN.
      await waitChannelIdle(nsqd, s.topic, s.channel, 20_000, { finished: 1 });
      expect(attempts).toEqual([1, 2]);
      expect(s.bridge.status.ready).toBe(true);
    } finally {
      await s.stop();
    }
  });

  it('an nsqd restart: the bridge reconnects and carries on', async () => {
    const nsqd = await services.nsqd();
    const bodies = new Set<string>();
    const s = await startBridge(nsqd, (call) => {
      for (const m of eventOf(call.payload).messages) bodies.add(Buffer.from(m.body, 'base64').toString());
      return { body: { batchItemFailures: [] } };
    });
    try {
      await nsqd.http.publishMany(s.topic, ['before-1', 'before-2']);
      await waitFor(() => bodies.size === 2, { what: 'first messages' });
      await nsqd.restart();
      await waitFor(() => s.bridge.status.ready, { what: 'reconnected', timeoutMs: 20_000 });
      await nsqd.http.publishMany(s.topic, ['after-1', 'after-2']);
      await waitFor(() => bodies.size === 4, { what: 'messages after the restart', timeoutMs: 20_000 });
      expect([...bodies].sort()).toEqual(['after-1', 'after-2', 'before-1', 'before-2']);
    } finally {
      await s.stop();
    }
  });
});
