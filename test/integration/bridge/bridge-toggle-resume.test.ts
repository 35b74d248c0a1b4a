import { describe, expect, it } from 'vitest';
import { toggleKey } from '#shared/toggle/keys';
import { startInvokeResponder } from '#test/harness/invoke-responder';
import { useServices, waitFor } from '#test/harness/services';
import { useLocalUpstash } from '#test/harness/upstash';
import { spawnBridge, useBridgeProcesses } from './bridge-process.ts';

const services = useServices();
const upstash = useLocalUpstash();
const { processes, responders } = useBridgeProcesses();

async function readyCount(httpAddress: string, topic: string, channel: string): Promise<number> {
  const q = new URLSearchParams({ format: 'json', include_clients: 'true', topic, channel });
  const body = (await (await fetch(`http://${httpAddress}/stats?${q}`)).json()) as {
    topics: Array<{ channels: Array<{ clients: Array<{ ready_count: number }> }> }>;
  };
  return body.topics[0]?.channels[0]?.clients[0]?.ready_count ?? -1;
}

describe('bridge process and the remote toggle', () => {
  it('pauses on stopped (RDY 0, nothing invoked) and resumes within 2 s of a start, with the default poll', async () => {
    // Prepare: the shipped process (main.ts) with default toggle settings, reading the local Upstash endpoint.
    const { url, token, client } = await upstash.start();
    const redis = client();
    const nsqd = await services.nsqd();
    const topic = 'toggled';
    await nsqd.http.createTopic(topic);
    await nsqd.http.createChannel(topic, 'bridge');
    const invoked: number[] = [];
    const responder = await startInvokeResponder(() => {
      invoked.push(Date.now());
      return { body: null };
    });
    responders.push(responder);
    const p = spawnBridge(
      {
        nsqdTcpAddresses: [nsqd.tcpAddress],
        lambda: { region: 'us-east-1', endpoint: responder.endpoint },
        deadLetter: { kind: 'nsq', topic: 'dead-letters', nsqdHttpAddresses: [nsqd.httpAddress] },
        http: { host: '127.0.0.1', port: 0 },
        toggles: { url },
        subscriptions: [
          {
            name: 'tg',
            functionName: 'toggled-fn',
            topic,
            channel: 'bridge',
            maxWaitMs: 0,
            toggle: { policy: 'requeue' },
          },
        ],
      },
      { UPSTASH_REDIS_REST_TOKEN: token },
    );
    processes.push(p);
    await waitFor(async () => (await readyCount(nsqd.httpAddress, topic, 'bridge')) > 0, {
      what: 'the bridge subscribed',
      timeoutMs: 20_000,
    });

    // Act 1: stop.
    await redis.set(toggleKey('toggled-fn'), 'stopped');
    await waitFor(async () => (await readyCount(nsqd.httpAddress, topic, 'bridge')) === 0, {
      what: 'RDY 0 after stop',
      timeoutMs: 10_000,
    });
    await nsqd.http.publishMany(topic, ['a', 'b', 'c']);
    expect((await nsqd.http.channelStats(topic, 'bridge'))?.depth).toBe(3);
    expect(invoked).toEqual([]);

    // Act 2: start, and time it.
    await redis.set(toggleKey('toggled-fn'), 'started');
    const startedAt = Date.now();
    await waitFor(() => invoked.length > 0, {
      what: 'an invocation after start',
      timeoutMs: 10_000,
      intervalMs: 10,
    });

    // Assess: one poll (1 s) plus the read and the RDY, well under 2 s.
    const firstInvokeAfterMs = (invoked[0] as number) - startedAt;
    expect(firstInvokeAfterMs).toBeLessThan(2_000);
    await waitFor(async () => (await nsqd.http.channelStats(topic, 'bridge'))?.depth === 0, {
      what: 'the backlog consumed',
    });
  });
});
