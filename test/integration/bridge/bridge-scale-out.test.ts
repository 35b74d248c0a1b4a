import { afterAll, describe, expect, it } from 'vitest';
import { type InvokeResponder, startInvokeResponder } from '#test/harness/invoke-responder';
import { useServices, waitFor } from '#test/harness/services';
import { eventOf, waitChannelIdle } from './bridge-harness.ts';
import { type BridgeProcess, spawnBridge } from './bridge-process.ts';

const services = useServices();
const processes: BridgeProcess[] = [];
let responder: InvokeResponder | undefined;
afterAll(async () => {
  for (const p of processes) p.kill('SIGKILL');
  await Promise.all(processes.map((p) => p.exited));
  await responder?.close();
});

describe('scale-out: two bridge processes, two nsqd, nsqlookupd', () => {
  it('shares one channel: every message processed once, and stopping one bridge moves its share to the other', async () => {
    const lookupd = await services.nsqlookupd();
    const nsqdA = await services.nsqd({ lookupdTcpAddresses: [lookupd.tcpAddress] });
    const nsqdB = await services.nsqd({ lookupdTcpAddresses: [lookupd.tcpAddress] });
    const topic = 'scale';
    for (const n of [nsqdA, nsqdB]) {
      await n.http.createTopic(topic);
      await n.http.createChannel(topic, 'bridge');
    }
    await waitFor(async () => (await lookupd.producers(topic)).length === 2, {
      what: 'both nsqd registered',
    });
    const seen = new Map<string, number>();
    const byClient = new Map<string, number>();
    responder = await startInvokeResponder((call) => {
      const event = eventOf(call.payload);
      for (const m of event.messages) {
        const body = Buffer.from(m.body, 'base64').toString();
        seen.set(body, (seen.get(body) ?? 0) + 1);
      }
      byClient.set(event.subscription, (byClient.get(event.subscription) ?? 0) + event.messages.length);
      return { body: { batchItemFailures: [] } };
    });
    const config = (name: string) => ({
      lookupdHttpAddresses: [lookupd.httpAddress],
      lookupdPollIntervalMs: 1_000,
      lambda: { region: 'us-east-1', endpoint: responder?.endpoint },
      deadLetter: { kind: 'nsq' as const, topic: 'dead-letters', nsqdHttpAddresses: [nsqdA.httpAddress] },
      http: { host: '127.0.0.1', port: 0 },
      drain: { deadlineMs: 10_000 },
      subscriptions: [
        { name, functionName: 'scale-fn', topic, channel: 'bridge', maxWaitMs: 20, maxMessages: 5 },
      ],
    });
    const one = spawnBridge(config('one'));
    const two = spawnBridge(config('two'));
    processes.push(one, two);
    await waitFor(
      async () => {
        const a = await nsqdA.http.channelStats(topic, 'bridge');
        const b = await nsqdB.http.channelStats(topic, 'bridge');
        return a?.client_count === 2 && b?.client_count === 2;
      },
      { what: 'both bridges connected to both nsqd', timeoutMs: 30_000 },
    );

    const first = Array.from({ length: 200 }, (_, i) => `first-${i}`);
    await nsqdA.http.publishMany(topic, first.slice(0, 100));
    await nsqdB.http.publishMany(topic, first.slice(100));
    await waitFor(() => first.every((b) => seen.has(b)), { what: 'first wave processed', timeoutMs: 30_000 });
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(byClient.get('one')).toBeGreaterThan(0);
    expect(byClient.get('two')).toBeGreaterThan(0);

    one.kill('SIGTERM');
    expect(await one.exited).toBe(0);
    const twoBefore = byClient.get('two') ?? 0;
    const second = Array.from({ length: 100 }, (_, i) => `second-${i}`);
    await nsqdA.http.publishMany(topic, second.slice(0, 50));
    await nsqdB.http.publishMany(topic, second.slice(50));
    await waitFor(() => second.every((b) => seen.has(b)), {
      what: 'second wave processed by the survivor',
      timeoutMs: 30_000,
    });
    // Every body seen; now nothing more may happen (no redelivery, no late duplicate). The first bridge's
    // FIN counts left with its connection, so the channels are judged by a quiet period.
    for (const n of [nsqdA, nsqdB]) {
      const s = await waitChannelIdle(n, topic, 'bridge', 20_000, { finished: 'uncounted' });
      expect(s.timeout_count).toBe(0);
      expect(s.requeue_count).toBe(0);
    }
    expect((byClient.get('two') ?? 0) - twoBefore).toBe(100);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
  });
});
