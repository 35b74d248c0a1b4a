import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Message, Reader } from 'nsqjs';
import { afterAll, describe, expect, it } from 'vitest';
import { startBacklogMonitor } from '#bridge/backlog/backlog-monitor';
import { lookupNsqdHttpAddresses } from '#bridge/backlog/backlog-reading';
import { renderEmf } from '#bridge/observability/emf';
import { MetricsRegistry } from '#bridge/observability/metrics-registry';
import { useServices, waitFor } from '#test/harness/services';

const services = useServices();
const readers: Reader[] = [];
afterAll(() => {
  for (const r of readers) r.close();
});

async function closedPortAddress(): Promise<string> {
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as AddressInfo;
  await new Promise((r) => probe.close(r));
  return `127.0.0.1:${port}`;
}

function gauge(registry: MetricsRegistry, name: string, subscription: string): number | undefined {
  return registry
    .snapshot()
    .find((m) => m.name === name)
    ?.series.find((s) => s.labels.subscription === subscription)?.value;
}

describe('startBacklogMonitor', () => {
  it('sums depth, deferred and in-flight of the channel over every nsqd, as gauges and EMF', async () => {
    // Prepare: two nsqd; depth on both, deferred on one, two messages held in flight by a consumer.
    const [a, b] = await Promise.all([services.nsqd(), services.nsqd()]);
    if (!a || !b) throw new Error('nsqd did not start');
    for (const n of [a, b]) {
      await n.http.createTopic('orders');
      await n.http.createChannel('orders', 'lambda');
    }
    await a.http.publishMany('orders', ['1', '2', '3']);
    await b.http.publishMany('orders', ['4', '5', '6', '7']);
    await a.http.publish('orders', 'later', 600_000);
    const held: Message[] = [];
    const reader = new Reader('orders', 'lambda', { nsqdTCPAddresses: [b.tcpAddress], maxInFlight: 2 });
    readers.push(reader);
    reader.on('message', (m) => held.push(m));
    reader.connect();
    await waitFor(() => held.length === 2, { what: 'two messages in flight' });
    const registry = new MetricsRegistry();
    const monitor = startBacklogMonitor({
      registry,
      intervalMs: 3_600_000,
      subscriptions: [
        {
          name: 'orders-sub',
          topic: 'orders',
          channel: 'lambda',
          nsqdHttpAddresses: [a.httpAddress, b.httpAddress],
        },
      ],
    });
    try {
      // Act
      const readings = await monitor.poll();
      // Assess: depth 3 + (4 - 2), deferred 1, in flight 2.
      expect(readings).toEqual([
        {
          subscription: 'orders-sub',
          depth: 5,
          deferred: 1,
          inFlight: 2,
          backlog: 8,
          nsqdRead: 2,
          errors: [],
          channelMissing: false,
        },
      ]);
      expect(gauge(registry, 'nsq_lambda_backlog', 'orders-sub')).toBe(8);
      expect(gauge(registry, 'nsq_lambda_channel_depth', 'orders-sub')).toBe(5);
      expect(gauge(registry, 'nsq_lambda_channel_deferred', 'orders-sub')).toBe(1);
      expect(gauge(registry, 'nsq_lambda_channel_in_flight', 'orders-sub')).toBe(2);
      expect(registry.renderPrometheus()).toContain('nsq_lambda_backlog{subscription="orders-sub"} 8\n');
      const [line] = renderEmf(registry.snapshot(), new Map(), 'NsqLambda', 0);
      expect(line).toMatchObject({ subscription: 'orders-sub', Backlog: 8, ChannelDepth: 5 });
    } finally {
      monitor.stop();
      for (const m of held) m.finish();
    }
  });

  it('counts the topic depth while the channel does not exist yet', async () => {
    const nsqd = await services.nsqd();
    await nsqd.http.publishMany('fresh', ['a', 'b']);
    const registry = new MetricsRegistry();
    const monitor = startBacklogMonitor({
      registry,
      intervalMs: 3_600_000,
      subscriptions: [
        { name: 'fresh', topic: 'fresh', channel: 'lambda', nsqdHttpAddresses: [nsqd.httpAddress] },
      ],
    });
    monitor.stop();
    const [reading] = await monitor.poll();
    expect(reading).toMatchObject({ depth: 2, backlog: 2, channelMissing: true });
  });

  it('skips an unreachable nsqd, counts the error, and keeps the last values when none answers', async () => {
    // Prepare
    const nsqd = await services.nsqd();
    await nsqd.http.createTopic('t');
    await nsqd.http.createChannel('t', 'c');
    await nsqd.http.publishMany('t', ['x', 'y', 'z']);
    const dead = await closedPortAddress();
    let addresses = [nsqd.httpAddress, dead];
    const errors: string[] = [];
    const registry = new MetricsRegistry();
    const monitor = startBacklogMonitor({
      registry,
      intervalMs: 3_600_000,
      requestTimeoutMs: 2_000,
      onError: (e, s) => errors.push(`${s}: ${e.message}`),
      subscriptions: [{ name: 's', topic: 't', channel: 'c', nsqdHttpAddresses: async () => addresses }],
    });
    monitor.stop();
    // Act
    const [partial] = await monitor.poll();
    // Assess
    expect(partial).toMatchObject({ backlog: 3, nsqdRead: 1 });
    expect(errors).toEqual([`s: backlog: /stats of nsqd ${dead} failed for s`]);
    // Act: now nothing answers.
    addresses = [dead];
    await monitor.poll();
    // Assess: the gauge was not reset to 0.
    expect(gauge(registry, 'nsq_lambda_backlog', 's')).toBe(3);
    expect(gauge(registry, 'nsq_lambda_backlog_nsqd_read', 's')).toBe(0);
    expect(
      registry.snapshot().find((m) => m.name === 'nsq_lambda_backlog_poll_errors_total')?.series[0]?.value,
    ).toBe(2);
  });

  it('polls on its interval', async () => {
    const nsqd = await services.nsqd();
    await nsqd.http.createTopic('tick');
    await nsqd.http.createChannel('tick', 'c');
    const registry = new MetricsRegistry();
    const monitor = startBacklogMonitor({
      registry,
      intervalMs: 100,
      subscriptions: [{ name: 'tick', topic: 'tick', channel: 'c', nsqdHttpAddresses: [nsqd.httpAddress] }],
    });
    try {
      await waitFor(() => gauge(registry, 'nsq_lambda_backlog', 'tick') === 0, {
        what: 'a first timed poll',
      });
      await nsqd.http.publish('tick', 'm');
      await waitFor(() => gauge(registry, 'nsq_lambda_backlog', 'tick') === 1, {
        what: 'the backlog to reach 1',
      });
    } finally {
      monitor.stop();
    }
  });
});

describe('lookupNsqdHttpAddresses', () => {
  it('finds the HTTP address of every nsqd carrying the topic through nsqlookupd', async () => {
    const lookupd = await services.nsqlookupd();
    const nsqd = await services.nsqd({ lookupdTcpAddresses: [lookupd.tcpAddress] });
    await nsqd.http.createTopic('looked_up');
    const addresses = await waitFor(
      async () => {
        const found = await lookupNsqdHttpAddresses({
          lookupdHttpAddresses: [lookupd.httpAddress, await closedPortAddress()],
          topic: 'looked_up',
        });
        return found.length > 0 ? found : undefined;
      },
      { what: 'nsqd to register the topic with nsqlookupd' },
    );
    expect(addresses).toEqual([nsqd.httpAddress]);
    expect(
      await lookupNsqdHttpAddresses({ lookupdHttpAddresses: [lookupd.httpAddress], topic: 'unknown' }),
    ).toEqual([]);
  });

  it('rejects when every nsqlookupd fails', async () => {
    await expect(
      lookupNsqdHttpAddresses({ lookupdHttpAddresses: [await closedPortAddress()], topic: 't' }),
    ).rejects.toThrow(/every nsqlookupd failed/);
  });
});
