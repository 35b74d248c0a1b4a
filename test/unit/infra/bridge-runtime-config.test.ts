/** The bridge container's config, built by the bridge's own bridgeConfigFromDefinitions. */
import { describe, expect, it } from 'vitest';
import { bridgeRuntimeConfig } from '#infra/lib/bridge-runtime-config';
import { parseBridgeConfig } from '#shared/config/bridge-config';
import { defineFunction } from '#shared/functions/definition';

const one = defineFunction({ name: 'one', timeoutSec: 40, subscriptions: [{ topic: 'a', channel: 'one' }] });
const two = defineFunction({
  name: 'two',
  subscriptions: [
    { topic: 'b', channel: 'two' },
    { topic: 'c', channel: 'two', ephemeral: true },
  ],
});

const base = {
  targets: [
    { definition: one, functionName: 'arn:aws:lambda:eu-west-1:123456789012:function:one-abc' },
    { definition: two, functionName: 'two-deployed' },
  ],
  nsqdTcpAddresses: [],
  lookupdHttpAddresses: ['lookupd-1:4161', 'lookupd-2:4161'],
  region: 'eu-west-1',
  deadLetterBucket: 'dl-bucket',
  deadLetterPrefix: 'dead-letters/',
  httpPort: 8080,
  drainDeadlineMs: 90_000,
};

describe('bridgeRuntimeConfig', () => {
  it('builds a config the bridge accepts, invoking the deployed names', () => {
    const config = parseBridgeConfig(bridgeRuntimeConfig(base));
    expect(
      config.subscriptions.map((s) => [s.name, s.functionName, s.functionTimeoutMs, s.channelName]),
    ).toEqual([
      ['one', 'arn:aws:lambda:eu-west-1:123456789012:function:one-abc', 40_000, 'one'],
      ['two-b-two', 'two-deployed', 30_000, 'two'],
      ['two-c-two', 'two-deployed', 30_000, 'two#ephemeral'],
    ]);
    expect(config).toMatchObject({
      lookupdHttpAddresses: ['lookupd-1:4161', 'lookupd-2:4161'],
      lambda: { region: 'eu-west-1' },
      deadLetter: { kind: 's3', bucket: 'dl-bucket', prefix: 'dead-letters/' },
      http: { host: '0.0.0.0', port: 8080 },
      drain: { deadlineMs: 90_000 },
      tls: { enabled: false },
    });
  });

  it("divides a definition's rateLimit among rateLimitTaskCount tasks (the service's maxTaskCount)", () => {
    const limited = defineFunction({
      name: 'limited',
      subscriptions: [{ topic: 'a', channel: 'limited', rateLimit: { messagesPerSecond: 40, burst: 8 } }],
    });
    const config = parseBridgeConfig(
      bridgeRuntimeConfig({
        ...base,
        targets: [{ definition: limited, functionName: 'limited' }],
        rateLimitTaskCount: 4,
      }),
    );
    expect(config.rateLimitTaskCount).toBe(4);
    expect(config.subscriptions[0]?.rateLimitPerTask).toEqual({ messagesPerSecond: 10, burst: 2 });
  });

  it('asks nsqd for TLS when TLS settings are given', () => {
    const config = parseBridgeConfig(bridgeRuntimeConfig({ ...base, tls: { servername: 'nsqd.internal' } }));
    expect(config.tls).toMatchObject({
      enabled: true,
      servername: 'nsqd.internal',
      rejectUnauthorized: true,
    });
  });

  it('fails when a definition has no deployed function name', () => {
    expect(() =>
      bridgeRuntimeConfig({
        ...base,
        targets: [{ definition: one, functionName: 'x' }, { definition: two } as never],
      }),
    ).toThrow('no deployed function for "two"');
  });
});
