/**
 * The bridge config loader (shared/config/bridge-config.ts) under arbitrary input: it never crashes
 * (only ConfigError, listing at least one problem), and whatever it accepts keeps every rule the
 * contract states (docs/faults.md, issue 3): valid NSQ names, maxInFlight ≥ maxMessages × concurrency
 * (nsqd's max RDY is checked at connect, against its IDENTIFY response), touch < msg timeout ≤ --max-msg-timeout, invocation timeout above the function
 * timeout, requeue cap ≤ --max-req-timeout, the Invoke byte limit, unique names, some address.
 * Secrets never show in the serialised config.
 */
import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BridgeConfig,
  ConfigError,
  loadBridgeConfig,
  parseBridgeConfig,
} from '#shared/config/bridge-config';
import {
  EVENT_ENVELOPE_RESERVE_BYTES,
  LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES,
  RESERVED_HTTP_HEADERS,
} from '#shared/config/subscription';
import { NSQ_NAME_PATTERN } from '#shared/contract/batch-event';

const base = {
  nsqdTcpAddresses: ['127.0.0.1:4150'],
  deadLetter: { kind: 's3', bucket: 'dead-letters' },
  subscriptions: [{ name: 'orders', functionName: 'orders-fn', topic: 'orders', channel: 'bridge' }],
};

/** Interesting values for one field: boundaries, wrong types, huge and negative numbers. */
const fieldValue = fc.oneof(
  fc.integer({ min: -10, max: 20_000 }),
  fc.constantFrom(
    0,
    1,
    100,
    999,
    1_000,
    2_500,
    2_501,
    10_000,
    60_000,
    900_000,
    3_600_000,
    6_225_920,
    6_291_456,
  ),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.string({ maxLength: 70 }),
  fc.constantFrom('', 'orders#ephemeral', 'a b', 'x'.repeat(65), '127.0.0.1:4150', 'http://127.0.0.1:4161'),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }),
  fc.anything(),
);

/** HTTP targets: valid ones, and each rule broken (scheme, host, header name, reserved header, secret ref). */
const targetValue = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      type: fc.constant('http'),
      url: fc.constantFrom('https://fn.example.com/batch', 'http://127.0.0.1:8787'),
      signingSecret: fc.constant('EDGE_SECRET'),
      timeoutMs: fc.constantFrom(undefined, 1_000, 20_000, 899_999),
    }),
  },
  fc.record({
    type: fc.constant('http'),
    url: fc.constantFrom(
      'https://fn.example.com/batch',
      'http://127.0.0.1:8787',
      'http://localhost:1/x',
      'http://10.0.0.1/',
      'ftp://fn.example.com',
      'https://u:p@fn.example.com',
      'not a url',
    ),
    signingSecret: fc.constantFrom(
      'EDGE_SECRET',
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:s-AbC',
      'arn:x',
      '1BAD',
      '',
    ),
    timeoutMs: fc.option(fieldValue, { nil: undefined }),
    headers: fc.option(
      fc.dictionary(
        fc.constantFrom('x-token', 'X-Nsq-Lambda-Signature', 'content-length', 'bad name', ''),
        fc.constantFrom('v', 'a\r\nb', ''),
      ),
      { nil: undefined },
    ),
  }),
  fieldValue,
);

const subscriptionKeys = [
  'target',
  'name',
  'functionName',
  'topic',
  'channel',
  'ephemeral',
  'maxMessages',
  'maxBytes',
  'maxWaitMs',
  'maxConcurrentInvocations',
  'maxInFlight',
  'maxAttempts',
  'msgTimeoutMs',
  'touchIntervalMs',
  'functionTimeoutMs',
  'invocationTimeoutMs',
  'nsqdTcpAddresses',
  'lookupdHttpAddresses',
  'requeue',
  'toggle',
  'extra',
] as const;
const globalKeys = [
  'nsqdTcpAddresses',
  'lookupdHttpAddresses',
  'maxReqTimeoutMs',
  'maxMsgTimeoutMs',
  'heartbeatIntervalMs',
  'lookupdPollIntervalMs',
  'tls',
  'deadLetter',
  'subscriptions',
  'extra',
] as const;

/** The base config with several fields of its subscription(s) and globals replaced. */
const mutatedConfig = fc
  .tuple(
    fc.array(
      // `target` is drawn about one edit in six, so HTTP-target configs are accepted often enough to check.
      fc
        .oneof(
          { weight: 4, arbitrary: fc.constant('target' as const) },
          { weight: 20, arbitrary: fc.constantFrom(...subscriptionKeys) },
        )
        .chain((k) => fc.tuple(fc.constant(k), k === 'target' ? targetValue : fieldValue)),
      { maxLength: 4 },
    ),
    fc.array(fc.tuple(fc.constantFrom(...globalKeys), fieldValue), { maxLength: 2 }),
    fc.boolean(),
    fc.boolean(),
  )
  .map(([subEdits, globalEdits, twoSubscriptions, dropFunctionName]) => {
    const sub: Record<string, unknown> = { ...base.subscriptions[0] };
    for (const [k, v] of subEdits) sub[k] = v;
    // An HTTP target needs no functionName (it defaults to the subscription's name).
    if (dropFunctionName) delete sub.functionName;
    const config: Record<string, unknown> = {
      ...base,
      subscriptions: twoSubscriptions ? [sub, { ...sub, name: 'second' }] : [sub],
    };
    for (const [k, v] of globalEdits) config[k] = v;
    return config;
  });

function tryParse(raw: unknown): BridgeConfig | ConfigError {
  try {
    return parseBridgeConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.length).toBeGreaterThan(0);
    for (const p of problems) expect(typeof p).toBe('string');
    return error as ConfigError;
  }
}

function expectContractRules(c: BridgeConfig): void {
  const names = c.subscriptions.map((s) => s.name);
  expect(new Set(names).size).toBe(names.length);
  for (const s of c.subscriptions) {
    for (const name of [s.topic, s.channel, s.channelName]) {
      expect(name).toMatch(NSQ_NAME_PATTERN);
      expect(name.length).toBeGreaterThanOrEqual(1);
      expect(name.length).toBeLessThanOrEqual(64);
    }
    expect(s.maxMessages).toBeGreaterThanOrEqual(1);
    expect(s.maxMessages).toBeLessThanOrEqual(10_000);
    expect(s.maxInFlight).toBeGreaterThanOrEqual(s.maxMessages * s.maxConcurrentInvocations);
    expect(s.maxInFlight).toBeLessThanOrEqual(10_000_000);
    expect(s.maxBytes).toBeLessThanOrEqual(LAMBDA_SYNC_PAYLOAD_LIMIT_BYTES - EVENT_ENVELOPE_RESERVE_BYTES);
    expect(s.touchIntervalMs).toBeLessThan(s.msgTimeoutMs);
    expect(s.msgTimeoutMs).toBeLessThanOrEqual(c.maxMsgTimeoutMs);
    // An HTTP target has one deadline (target.timeoutMs); a Lambda's must exceed the function's own timeout.
    if (s.target === undefined) expect(s.invocationTimeoutMs).toBeGreaterThan(s.functionTimeoutMs);
    else {
      const url = new URL(s.target.url);
      expect(url.protocol === 'https:' || ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)).toBe(
        true,
      );
      expect(url.username + url.password).toBe('');
      for (const [name, value] of Object.entries(s.target.headers)) {
        expect(name).toMatch(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/);
        expect(RESERVED_HTTP_HEADERS).not.toContain(name.toLowerCase());
        expect(value).not.toMatch(/[\r\n\0]/);
      }
      expect(s.invocationTimeoutMs).toBe(s.target.timeoutMs ?? s.functionTimeoutMs + 10_000);
    }
    expect(s.functionName.length).toBeGreaterThan(0);
    expect(s.invocationTimeoutMs + s.maxWaitMs).toBeLessThan(c.maxMsgTimeoutMs);
    expect(s.requeue.maxDelayMs).toBeLessThanOrEqual(c.maxReqTimeoutMs);
    expect(s.nsqdTcpAddresses.length + s.lookupdHttpAddresses.length).toBeGreaterThan(0);
    for (const v of [s.maxAttempts, s.maxWaitMs, s.maxConcurrentInvocations, s.msgTimeoutMs])
      expect(Number.isInteger(v)).toBe(true);
  }
}

describe('the bridge config loader under arbitrary input', () => {
  it('never crashes on arbitrary values and JSON', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.jsonValue()), (raw) => {
        const out = tryParse(raw);
        if (!(out instanceof ConfigError)) expectContractRules(out);
      }),
      { numRuns: 2_000 },
    );
  });

  it('accepts a mutated config only when it keeps every contract rule', () => {
    let accepted = 0;
    let acceptedHttp = 0;
    fc.assert(
      fc.property(mutatedConfig, (raw) => {
        const out = tryParse(raw);
        if (out instanceof ConfigError) return;
        accepted++;
        if (out.subscriptions.some((s) => s.target)) acceptedHttp++;
        expectContractRules(out);
      }),
      { numRuns: 4_000 },
    );
    // The generator must reach the accepting side too, or the rule checks prove nothing.
    expect(accepted).toBeGreaterThan(100);
    expect(acceptedHttp).toBeGreaterThan(15);
  });

  it('loadBridgeConfig: any env text is a ConfigError or a valid config, never a crash', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          mutatedConfig.map((c) => JSON.stringify(c)),
        ),
        fc.option(fc.string(), { nil: undefined }),
        (text, file) => {
          const env: NodeJS.ProcessEnv = { NSQ_LAMBDA_CONFIG: text };
          if (file !== undefined) env.NSQ_LAMBDA_CONFIG_FILE = `/nonexistent/${file}`;
          try {
            expectContractRules(loadBridgeConfig(env));
          } catch (error) {
            expect(error).toBeInstanceOf(ConfigError);
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('never shows a secret when the config is serialised or inspected', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9+/=_-]{12,40}$/),
        fc.stringMatching(/^[A-Za-z0-9]{12,40}$/),
        (nsq, upstash) => {
          const secretA = `nsq-${nsq}`;
          const secretB = `up-${upstash}`;
          const config = loadBridgeConfig({
            NSQ_LAMBDA_CONFIG: JSON.stringify(base),
            NSQ_AUTH_SECRET: secretA,
            UPSTASH_REDIS_REST_TOKEN: secretB,
          });
          expect(config.secrets.nsqAuthSecret).toBe(secretA);
          for (const text of [
            JSON.stringify(config),
            inspect(config, { depth: 10 }),
            String(config.secrets),
          ]) {
            expect(text).not.toContain(secretA);
            expect(text).not.toContain(secretB);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('found by the fuzzer', () => {
  it('an empty per-subscription address list falls back to the global addresses instead of leaving none', () => {
    for (const override of [
      { lookupdHttpAddresses: [] },
      { nsqdTcpAddresses: [] },
      { nsqdTcpAddresses: [], lookupdHttpAddresses: [] },
    ]) {
      const c = parseBridgeConfig({ ...base, subscriptions: [{ ...base.subscriptions[0], ...override }] });
      expect(c.subscriptions[0]?.nsqdTcpAddresses).toEqual(['127.0.0.1:4150']);
    }
  });
});
