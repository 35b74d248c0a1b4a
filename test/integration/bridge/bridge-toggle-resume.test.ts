import { describe, expect, it } from 'vitest';
import { toggleKey } from '#shared/toggle/keys';
import { startInvokeResponder } from '#test/harness/invoke-responder';
import { readyCount, waitChannelIdle, waitChannelSettled } from '#test/harness/nsq-channel';
import { useServices, waitFor, waitStable } from '#test/harness/services';
import { useLocalUpstash } from '#test/harness/upstash';
import { spawnBridge, useBridgeProcesses } from './bridge-process.ts';

const services = useServices();
const upstash = useLocalUpstash();
const { processes, responders } = useBridgeProcesses();

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
    await waitFor(async () => ((await readyCount(nsqd, topic, 'bridge')) ?? 0) > 0, {
      what: 'the bridge subscribed',
      timeoutMs: 20_000,
    });

    // Act 1: stop.
    await redis.set(toggleKey('toggled-fn'), 'stopped');
    // RDY 0 across more than one toggle poll (1 s by default), not at one look.
    await waitStable(async () => (await readyCount(nsqd, topic, 'bridge')) === 0, {
      what: 'RDY 0 after stop',
      quietMs: 1_200,
      timeoutMs: 10_000,
    });
    await nsqd.http.publishMany(topic, ['a', 'b', 'c']);
    const kept = await waitChannelSettled(
      nsqd,
      topic,
      'bridge',
      (s) => s.depth === 3 && s.in_flight_count === 0 && invoked.length === 0,
      { what: 'the backlog kept while stopped', quietMs: 600 },
    );
    expect(kept.depth).toBe(3);
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
    // The backlog consumed: every message FINished, and nothing more happens.
    const done = await waitChannelIdle(nsqd, topic, 'bridge');
    expect(done.message_count).toBe(3);
    expect(done.requeue_count).toBe(0);
  });
});
