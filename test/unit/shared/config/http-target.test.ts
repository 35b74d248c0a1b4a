import { describe, expect, it } from 'vitest';
import { ConfigError, parseBridgeConfig } from '#shared/config/bridge-config';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:edge-signing-AbCdEf';

function config(target: unknown, extra: Record<string, unknown> = {}) {
  return {
    nsqdTcpAddresses: ['127.0.0.1:4150'],
    deadLetter: { kind: 's3', bucket: 'dead-letters' },
    subscriptions: [{ name: 'edge', topic: 'orders', channel: 'bridge', target, ...extra }],
  };
}

function problemsOf(raw: unknown): string[] {
  try {
    parseBridgeConfig(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

describe('HTTP targets in the bridge config', () => {
  it('accepts an https target: functionName defaults to the subscription, the deadline to target.timeoutMs', () => {
    const c = parseBridgeConfig(
      config({
        type: 'http',
        url: 'https://orders.example.workers.dev/batch?v=1',
        signingSecret: ARN,
        timeoutMs: 15_000,
        headers: { 'CF-Access-Client-Id': 'abc' },
      }),
    );
    const s = c.subscriptions[0];
    expect(s?.functionName).toBe('edge');
    expect(s?.invocationTimeoutMs).toBe(15_000);
    expect(s?.target).toEqual({
      type: 'http',
      url: 'https://orders.example.workers.dev/batch?v=1',
      signingSecret: ARN,
      timeoutMs: 15_000,
      headers: { 'CF-Access-Client-Id': 'abc' },
    });
  });

  it('defaults: no headers, the deadline is functionTimeoutMs + 10 s; plain http to loopback; an env var name', () => {
    for (const url of ['http://127.0.0.1:8787/', 'http://localhost:8787', 'http://[::1]:8787/x']) {
      const s = parseBridgeConfig(config({ type: 'http', url, signingSecret: 'EDGE_SECRET' }))
        .subscriptions[0];
      expect(s?.target?.headers).toEqual({});
      expect(s?.invocationTimeoutMs).toBe(40_000);
    }
  });

  it('lists every problem of a target at once', () => {
    const problems = problemsOf(
      config(
        {
          type: 'http',
          url: 'http://10.0.0.5:8787/#frag',
          signingSecret: 'arn:aws:s3:::bucket',
          timeoutMs: 10,
          headers: {
            'X-Nsq-Lambda-Signature': 'forged',
            'x-nsq-lambda-idempotency-key': 'k',
            'bad header': 'x',
            Authorization: 'Bearer a\r\nX-Injected: 1',
          },
          extra: 1,
        },
        { invocationTimeoutMs: 20_000 },
      ),
    );
    const joined = problems.join('\n');
    expect(joined).toMatch(/target\.url: must be https:\/\/ .*got http:\/\/10\.0\.0\.5:8787/);
    expect(joined).toMatch(/target\.url: must not have a #fragment/);
    expect(joined).toMatch(/target\.signingSecret: must be a Secrets Manager ARN/);
    expect(joined).toMatch(/target\.timeoutMs/);
    expect(joined).toMatch(/target\.headers\.X-Nsq-Lambda-Signature: .*set by the bridge/);
    expect(joined).toMatch(/target\.headers\.x-nsq-lambda-idempotency-key: .*set by the bridge/);
    expect(joined).toMatch(/target\.headers\.bad header: .*not a valid header name/);
    expect(joined).toMatch(
      /target\.headers\.Authorization: header value must not contain control characters/,
    );
    expect(joined).toMatch(/target.*extra/);
    expect(problems.length).toBeGreaterThanOrEqual(9);
  });

  it('refuses credentials in the URL, a non-URL, and invocationTimeoutMs next to a target', () => {
    expect(
      problemsOf(config({ type: 'http', url: 'https://u:p@example.com/', signingSecret: 'S' })).join('\n'),
    ).toMatch(/target\.url: must not carry credentials/);
    expect(problemsOf(config({ type: 'http', url: 'example.com', signingSecret: 'S' })).join('\n')).toMatch(
      /target\.url: must be an absolute URL/,
    );
    expect(
      problemsOf(
        config(
          { type: 'http', url: 'https://example.com', signingSecret: 'S' },
          { invocationTimeoutMs: 20_000 },
        ),
      ),
    ).toEqual([
      'subscriptions.0.invocationTimeoutMs: an HTTP target sets its deadline with target.timeoutMs, not invocationTimeoutMs',
    ]);
  });

  it('still requires functionName for a Lambda subscription', () => {
    expect(problemsOf(config(undefined))).toEqual([
      'subscriptions.0.functionName: functionName is required (or set `target` to an HTTP endpoint)',
    ]);
  });
});
