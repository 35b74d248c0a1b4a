import { describe, expect, it } from 'vitest';
import { claimCheckStore, deadLetterStore, httpInvokers, toggleReader } from '#bridge/config-adapters';
import { createLogger } from '#bridge/observability/logger';
import { parseBridgeConfig } from '#shared/config/bridge-config';
import { ConfigError } from '#shared/errors';
import { UpstashToggleReader } from '#shared/toggle/toggle-reader';
import { testConfig } from './fakes.ts';

const SECRET = 'edge-secret-0123456789';

function logs() {
  const lines: string[] = [];
  const logger = createLogger({ write: (line) => lines.push(line) });
  return { logger, lines };
}

function httpConfig() {
  return parseBridgeConfig({
    nsqdTcpAddresses: ['127.0.0.1:4150'],
    deadLetter: { kind: 's3', bucket: 'dead-letters' },
    subscriptions: [
      { name: 'lambda', functionName: 'f', topic: 't', channel: 'c' },
      {
        name: 'edge',
        topic: 't',
        channel: 'c',
        target: { type: 'http', url: 'https://a.example', signingSecret: 'EDGE_A' },
      },
      {
        name: 'unset',
        topic: 't',
        channel: 'c',
        target: { type: 'http', url: 'https://b.example', signingSecret: 'EDGE_UNSET' },
      },
    ],
  });
}

describe('deadLetterStore', () => {
  it('writes to the NSQ topic or the S3 bucket the config names', async () => {
    const nsq = testConfig({
      deadLetter: { kind: 'nsq', topic: 'dlq', nsqdHttpAddresses: ['127.0.0.1:4151'] },
    });
    expect((await deadLetterStore(nsq)).describe).toBe('nsq://dlq');
    expect((await deadLetterStore(testConfig())).describe).toBe('s3://dead-letters/dead-letters');
  });
});

describe('claimCheckStore', () => {
  it('is undefined without claimCheck', async () => {
    expect(await claimCheckStore(testConfig())).toBeUndefined();
  });
});

describe('toggleReader', () => {
  it('reads no toggles without a URL and token, and says so when a subscription follows its toggle', async () => {
    const requeue = logs();
    const config = testConfig({
      subscriptions: [
        { name: 'o', functionName: 'f', topic: 't', channel: 'c', toggle: { policy: 'requeue' } },
      ],
    });
    expect(await toggleReader(config, requeue.logger)).toBeUndefined();
    expect(requeue.lines.map((l) => JSON.parse(l).msg)).toEqual([
      'toggles are not read: set UPSTASH_REDIS_REST_URL (or toggles.url) and UPSTASH_REDIS_REST_TOKEN',
    ]);
    const drop = logs();
    const quiet = testConfig({
      subscriptions: [{ name: 'o', functionName: 'f', topic: 't', channel: 'c', toggle: { policy: 'drop' } }],
    });
    expect(await toggleReader(quiet, drop.logger)).toBeUndefined();
    expect(drop.lines).toEqual([]);
  });

  it('reads Upstash with a URL and a token', async () => {
    const config = parseBridgeConfig(
      {
        nsqdTcpAddresses: ['127.0.0.1:4150'],
        deadLetter: { kind: 's3', bucket: 'dead-letters' },
        toggles: { url: 'http://127.0.0.1:1' },
        subscriptions: [{ name: 'o', functionName: 'f', topic: 't', channel: 'c' }],
      },
      { upstashToken: 'token' },
    );
    expect(await toggleReader(config, logs().logger)).toBeInstanceOf(UpstashToggleReader);
  });
});

describe('httpInvokers', () => {
  it('lists every signing-secret problem as a ConfigError', async () => {
    const error = await httpInvokers(httpConfig(), { EDGE_A: SECRET }, undefined).catch((e) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('subscriptions unset: target.signingSecret EDGE_UNSET');
    expect((error as Error).message).not.toContain(SECRET);
  });

  it('builds one invoker per HTTP target and returns the secrets to redact', async () => {
    const { invokers, secrets } = await httpInvokers(
      httpConfig(),
      { EDGE_A: SECRET, EDGE_UNSET: `${SECRET}-b` },
      undefined,
    );
    try {
      expect([...invokers.keys()]).toEqual(['edge', 'unset']);
      expect(secrets.sort()).toEqual([SECRET, `${SECRET}-b`]);
    } finally {
      await Promise.all([...invokers.values()].map((i) => i.close()));
    }
  });
});
