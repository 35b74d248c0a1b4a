import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  bridgeConfigFromDefinitions,
  DEFAULT_DRAIN_DEADLINE_MS,
  loadBridgeConfig,
  parseBridgeConfig,
} from '#shared/config/bridge-config';
import { ConfigError } from '#shared/errors';
import { defineFunction } from '#shared/functions/definition';
import { loadFunctions } from '#shared/functions/loader';

const base = {
  nsqdTcpAddresses: ['127.0.0.1:4150'],
  deadLetter: { kind: 's3', bucket: 'dead-letters' },
  subscriptions: [{ name: 'orders', functionName: 'orders-fn', topic: 'orders', channel: 'bridge' }],
};

function problemsOf(raw: unknown): string[] {
  try {
    parseBridgeConfig(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

describe('parseBridgeConfig', () => {
  it('defaults the drain deadline to the one shared default, 90 s (infra/ uses the same constant)', () => {
    expect(DEFAULT_DRAIN_DEADLINE_MS).toBe(90_000);
    expect(parseBridgeConfig(base).drain.deadlineMs).toBe(DEFAULT_DRAIN_DEADLINE_MS);
  });

  it('fills defaults: maxInFlight = maxMessages × concurrency, touch = msgTimeout/3, invocation timeout = function + 10 s', () => {
    const c = parseBridgeConfig(base);
    expect(c.subscriptions[0]).toMatchObject({
      maxInFlight: 40,
      touchIntervalMs: 20_000,
      invocationTimeoutMs: 40_000,
      channelName: 'bridge',
      nsqdTcpAddresses: ['127.0.0.1:4150'],
      lookupdHttpAddresses: [],
    });
  });

  it('lists every problem at once, across subscriptions and fields', () => {
    const problems = problemsOf({
      nsqdTcpAddresses: [],
      deadLetter: { kind: 's3', bucket: 'dead-letters' },
      extra: true,
      subscriptions: [
        { name: 'a', functionName: 'f', topic: 'bad topic!', channel: 'c' },
        {
          name: 'b',
          functionName: 'f',
          topic: 't',
          channel: 'c',
          msgTimeoutMs: 5000,
          touchIntervalMs: 5000,
          maxMessages: 10,
          maxInFlight: 5,
        },
        {
          name: 'b',
          functionName: 'f',
          topic: 't',
          channel: 'c',
          maxMessages: 10,
          maxConcurrentInvocations: 4,
          maxInFlight: 20,
        },
        { name: 'e', functionName: 'f', topic: 't', channel: 'c', maxBytes: 7_000_000 },
        {
          name: 'd',
          functionName: 'f',
          topic: 't',
          channel: 'c',
          functionTimeoutMs: 60_000,
          invocationTimeoutMs: 30_000,
        },
      ],
    });
    const text = problems.join('\n');
    expect(text).toMatch(/subscriptions\.0\.topic: must match/);
    expect(text).toMatch(/touchIntervalMs \(5000\) must be < msgTimeoutMs/);
    expect(text).toMatch(/maxInFlight \(5\) must be ≥ maxMessages \(10\)/);
    expect(text).toMatch(/maxInFlight \(20\) must be ≥ maxMessages × maxConcurrentInvocations \(40\)/);
    expect(text).toMatch(/subscriptions\.3\.maxBytes/);
    expect(text).toMatch(/duplicate subscription name "b"/);
    expect(text).toMatch(/no nsqd TCP or nsqlookupd HTTP addresses/);
    expect(text).toMatch(/invocationTimeoutMs \(30000\) must be above functionTimeoutMs/);
    expect(text).toMatch(/extra/);
    expect(problems.length).toBeGreaterThanOrEqual(9);
  });

  it('rejects a msg timeout above nsqd --max-msg-timeout and a requeue cap above --max-req-timeout', () => {
    const text = problemsOf({
      ...base,
      maxMsgTimeoutMs: 30_000,
      maxReqTimeoutMs: 10_000,
      subscriptions: [{ ...base.subscriptions[0], msgTimeoutMs: 120_000 }],
    }).join('\n');
    expect(text).toMatch(/msgTimeoutMs \(120000\) exceeds nsqd's --max-msg-timeout/);
    expect(text).toMatch(/requeue.maxDelayMs \(900000\) exceeds/);
    expect(text).toMatch(/invocationTimeoutMs \+ maxWaitMs/);
  });

  it('rejects a maxInFlight below the number of nsqd addresses (RDY would flap)', () => {
    const text = problemsOf({
      ...base,
      nsqdTcpAddresses: ['a:4150', 'b:4150', 'c:4150'],
      subscriptions: [
        { ...base.subscriptions[0], maxMessages: 1, maxConcurrentInvocations: 1, maxInFlight: 2 },
      ],
    }).join('\n');
    expect(text).toMatch(/maxInFlight \(2\) is below the number of nsqd addresses \(3\)/);
  });

  it('lets a subscription override the addresses and adds #ephemeral', () => {
    const c = parseBridgeConfig({
      ...base,
      subscriptions: [
        { ...base.subscriptions[0], ephemeral: true, lookupdHttpAddresses: ['127.0.0.1:4161'] },
      ],
    });
    expect(c.subscriptions[0]).toMatchObject({
      channelName: 'bridge#ephemeral',
      nsqdTcpAddresses: [],
      lookupdHttpAddresses: ['127.0.0.1:4161'],
    });
  });
});

describe('loadBridgeConfig', () => {
  it('reads the file and env JSON, env overriding top-level keys; secrets only from env and never printed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bridge-config-'));
    const file = join(dir, 'bridge.json');
    writeFileSync(file, JSON.stringify({ ...base, http: { host: '0.0.0.0', port: 9000 } }));
    const c = loadBridgeConfig({
      NSQ_LAMBDA_CONFIG_FILE: file,
      NSQ_LAMBDA_CONFIG: JSON.stringify({ http: { host: '127.0.0.1', port: 9100 } }),
      NSQ_AUTH_SECRET: 's3cr3t-auth',
      UPSTASH_REDIS_REST_TOKEN: 'tok-123',
      UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:8079',
    });
    expect(c.http).toEqual({ host: '127.0.0.1', port: 9100 });
    expect(c.toggles.url).toBe('http://127.0.0.1:8079');
    expect(c.secrets.nsqAuthSecret).toBe('s3cr3t-auth');
    const printed = JSON.stringify(c) + inspect(c, { depth: 10 });
    expect(printed).not.toContain('s3cr3t-auth');
    expect(printed).not.toContain('tok-123');
  });

  it('refuses secrets in the JSON and reports unreadable or invalid sources', () => {
    expect(() => loadBridgeConfig({})).toThrow(ConfigError);
    expect(() => loadBridgeConfig({ NSQ_LAMBDA_CONFIG: '{nope' })).toThrow(/invalid JSON/);
    expect(() => loadBridgeConfig({ NSQ_LAMBDA_CONFIG_FILE: '/does/not/exist.json' })).toThrow(/cannot read/);
    expect(() =>
      loadBridgeConfig({ NSQ_LAMBDA_CONFIG: JSON.stringify({ ...base, nsqAuthSecret: 'x' }) }),
    ).toThrow(/nsqAuthSecret/);
  });
});

describe('bridgeConfigFromDefinitions', () => {
  it('turns every function of this repository into a valid bridge config', async () => {
    const functions = await loadFunctions();
    const c = parseBridgeConfig(
      bridgeConfigFromDefinitions(functions, {
        nsqdTcpAddresses: ['127.0.0.1:4150'],
        deadLetter: { kind: 's3', bucket: 'dead-letters' },
      }),
    );
    expect(c.subscriptions.length).toBe(functions.reduce((n, f) => n + f.definition.subscriptions.length, 0));
  });

  it('builds one subscription per function subscription, with the function timeout', () => {
    const one = defineFunction({
      name: 'orders',
      timeoutSec: 120,
      subscriptions: [{ topic: 'orders', channel: 'fn' }],
    });
    const two = defineFunction({
      name: 'audit',
      subscriptions: [
        { topic: 'orders', channel: 'audit' },
        { topic: 'payments', channel: 'audit' },
      ],
    });
    const raw = bridgeConfigFromDefinitions([one, { definition: two }], {
      nsqdTcpAddresses: ['127.0.0.1:4150'],
      deadLetter: { kind: 's3', bucket: 'dl-bucket' },
    });
    const c = parseBridgeConfig(raw);
    expect(c.subscriptions.map((s) => [s.name, s.functionName, s.toggleName, s.functionTimeoutMs])).toEqual([
      ['orders', 'orders', 'orders', 120_000],
      ['audit-orders-audit', 'audit', 'audit', 30_000],
      ['audit-payments-audit', 'audit', 'audit', 30_000],
    ]);
  });
});
