import { describe, expect, it } from 'vitest';
import { parseBridgeConfig } from '#shared/config/bridge-config';
import { type BridgeBatching, bridgeBenchConfig } from '../../../bench/bridge-config.ts';
import { BRIDGE_BATCHINGS } from '../../../bench/systems.ts';

describe('bridgeBenchConfig', () => {
  it.each(Object.entries(BRIDGE_BATCHINGS))('builds a config the bridge accepts for %s', (_, batching) => {
    const config = parseBridgeConfig(
      bridgeBenchConfig({
        nsqdTcpAddress: '127.0.0.1:4150',
        nsqdHttpAddress: '127.0.0.1:4151',
        lambdaEndpoint: 'http://127.0.0.1:9001',
        topic: 'bench',
        channels: ['bench'],
        functionName: 'noop',
        batching,
        deadLetterTopic: 'bench_dead',
      }),
    );
    expect(config.subscriptions).toHaveLength(1);
    expect(config.subscriptions[0]).toMatchObject({
      ...batching,
      topic: 'bench',
      channel: 'bench',
      functionName: 'noop',
    });
    expect(config.lambda.endpoint).toBe('http://127.0.0.1:9001');
    expect(config.http.host).toBe('127.0.0.1');
  });

  it('listens for /metrics on the port asked for (the soak reads it), a free one otherwise', () => {
    const input = {
      nsqdTcpAddress: '127.0.0.1:4150',
      nsqdHttpAddress: '127.0.0.1:4151',
      lambdaEndpoint: 'http://127.0.0.1:9001',
      topic: 'bench',
      channels: ['bench'],
      functionName: 'sleep-5ms',
      batching: { maxMessages: 100, maxWaitMs: 20, maxConcurrentInvocations: 8, maxInFlight: 1_600 },
      deadLetterTopic: 'bench_dead',
    };
    expect(parseBridgeConfig(bridgeBenchConfig({ ...input, httpPort: 18_080 })).http.port).toBe(18_080);
    expect(parseBridgeConfig(bridgeBenchConfig(input)).http.port).toBe(0);
  });

  it('makes one uniquely named subscription per channel (the 10,000 in flight run)', () => {
    const config = parseBridgeConfig(
      bridgeBenchConfig({
        nsqdTcpAddress: '127.0.0.1:4150',
        nsqdHttpAddress: '127.0.0.1:4151',
        lambdaEndpoint: 'http://127.0.0.1:9001',
        topic: 'bench',
        channels: ['bench1', 'bench2', 'bench3', 'bench4'],
        functionName: 'noop',
        batching: { maxMessages: 100, maxWaitMs: 20, maxConcurrentInvocations: 25, maxInFlight: 2_500 },
        deadLetterTopic: 'bench_dead',
      }),
    );
    expect(config.subscriptions.map((s) => [s.name, s.channel, s.maxInFlight])).toEqual([
      ['bench-1', 'bench1', 2_500],
      ['bench-2', 'bench2', 2_500],
      ['bench-3', 'bench3', 2_500],
      ['bench-4', 'bench4', 2_500],
    ]);
  });

  it('feeds an HTTP target through the HTTP invoker when given one (the workerd row)', () => {
    const config = parseBridgeConfig(
      bridgeBenchConfig({
        nsqdTcpAddress: '127.0.0.1:4150',
        nsqdHttpAddress: '127.0.0.1:4151',
        lambdaEndpoint: 'http://127.0.0.1:8787',
        topic: 'bench',
        channels: ['bench'],
        functionName: 'edge-responder',
        batching: BRIDGE_BATCHINGS.b100 as BridgeBatching,
        deadLetterTopic: 'bench_dead',
        httpTarget: { url: 'http://127.0.0.1:8787', signingSecretEnv: 'BENCH_EDGE_SIGNING_SECRET' },
      }),
    );
    expect(config.subscriptions[0]?.target).toMatchObject({
      type: 'http',
      url: 'http://127.0.0.1:8787',
      signingSecret: 'BENCH_EDGE_SIGNING_SECRET',
    });
  });
});
