/**
 * End to end on one machine: messages published to a real nsqd go through the real bridge process
 * (bridge/src/main.ts) into the template function's esbuild bundle running in the local Lambda, and
 * every message is finished (valid ones by the handler, invalid ones dead-lettered by the schema, then
 * FINished).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startLocalLambda } from '#dev/local-lambda/server';
import { freePort } from '#dev/services/ports';
import { startBridgeProcess, sumBySubscription } from '#dev/up/bridge-process';
import { bridgeConfigFromDefinitions } from '#shared/config/bridge-config';
import { loadFunction } from '#shared/functions/loader';
import { waitChannelIdle } from '#test/harness/nsq-channel';
import { useServices } from '#test/harness/services';

const services = useServices();
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('nsqd → bridge → local Lambda', () => {
  it('finishes every message published for the template function', async () => {
    const nsqd = await services.nsqd();
    const template = await loadFunction('template');
    const lambda = await startLocalLambda({ functions: [template], log: () => {} });
    cleanups.push(() => lambda.close());
    const [subscription] = template.definition.subscriptions;
    if (!subscription) throw new Error('functions/template has no subscription');
    const { topic, channel } = subscription;
    await nsqd.http.createTopic(topic);
    await nsqd.http.createChannel(topic, channel);

    const valid = Array.from({ length: 60 }, (_, i) => JSON.stringify({ greeting: `hello ${i}` }));
    const invalid = [JSON.stringify({ nope: 1 }), 'not json at all'];
    await nsqd.http.publishMany(topic, [...valid, ...invalid]);

    const bridge = await startBridgeProcess({
      config: bridgeConfigFromDefinitions([template], {
        nsqdTcpAddresses: [nsqd.tcpAddress],
        lambda: { region: 'us-east-1', endpoint: lambda.endpoint },
        deadLetter: { kind: 'nsq', topic: 'dead-letters', nsqdHttpAddresses: [nsqd.httpAddress] },
        http: { port: await freePort() },
        drain: { deadlineMs: 10_000 },
      }),
      env: { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', LOG_LEVEL: 'warn' },
    });
    cleanups.push(() => bridge.stop(5_000));

    const total = valid.length + invalid.length;
    const channelStats = await waitChannelIdle(nsqd, topic, channel, 60_000);
    expect(channelStats.message_count).toBe(total);
    const metrics = await (await fetch(`${bridge.httpUrl}/metrics`)).text();
    const name = 'template';
    expect(sumBySubscription(metrics, 'nsq_lambda_messages_received_total').get(name)).toBe(total);
    expect(sumBySubscription(metrics, 'nsq_lambda_messages_finished_total').get(name)).toBe(valid.length);
    expect(sumBySubscription(metrics, 'nsq_lambda_messages_dead_lettered_total').get(name)).toBe(
      invalid.length,
    );
    expect(sumBySubscription(metrics, 'nsq_lambda_messages_requeued_total').get(name) ?? 0).toBe(0);
    expect(channelStats.requeue_count).toBe(0);
    expect(channelStats.timeout_count).toBe(0);
    // The dead letters went to the dead-letter topic.
    const deadLetters = (await nsqd.http.stats({ topic: 'dead-letters' })).topics.find(
      (t) => t.topic_name === 'dead-letters',
    );
    expect(deadLetters?.message_count).toBe(invalid.length);
    // The function really ran in the local Lambda, warm.
    const stats = lambda.stats().template;
    expect(stats?.invocations).toBeGreaterThanOrEqual(1);
    expect(stats?.functionErrors).toBe(0);
    expect(stats?.coldStarts).toBeLessThanOrEqual(stats?.invocations ?? 0);

    const exit = await bridge.stop(15_000);
    expect(exit.code).toBe(0);
  });
});
