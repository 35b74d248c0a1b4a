import { describe, expect, it } from 'vitest';
import { parseBridgeConfig } from '#shared/config/bridge-config';
import { ConfigError } from '#shared/errors';

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

describe('claimCheck config', () => {
  it('is off by default, and defaults the prefix to the reserved claim-checks/', () => {
    expect(parseBridgeConfig(base).claimCheck).toBeUndefined();
    expect(parseBridgeConfig({ ...base, claimCheck: { bucket: 'dead-letters' } }).claimCheck).toEqual({
      bucket: 'dead-letters',
      prefix: 'claim-checks/',
    });
  });

  it('keeps thresholdBytes, region and endpoint', () => {
    const c = parseBridgeConfig({
      ...base,
      claimCheck: {
        bucket: 'big-bodies',
        prefix: 'cc/',
        thresholdBytes: 256_000,
        region: 'eu-west-1',
        endpoint: 'http://127.0.0.1:9000',
      },
    });
    expect(c.claimCheck).toEqual({
      bucket: 'big-bodies',
      prefix: 'cc/',
      thresholdBytes: 256_000,
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:9000',
    });
  });

  it('lists every claimCheck problem at once, with the others', () => {
    const problems = problemsOf({
      ...base,
      maxReqTimeoutMs: 1,
      claimCheck: { bucket: 'Not_A_Bucket', prefix: 'sp ace', thresholdBytes: 0, extra: 1 },
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^claimCheck\.bucket: must be an S3 bucket name/),
        expect.stringMatching(/^claimCheck\.prefix: must be a key prefix/),
        expect.stringMatching(/^claimCheck\.thresholdBytes: /),
        expect.stringMatching(/^claimCheck: .*extra/),
        expect.stringMatching(/^maxReqTimeoutMs: /),
      ]),
    );
  });

  it.each([
    ['the dead-letter prefix itself', 'dead-letters/', 'dead-letters'],
    ['a prefix below the dead letters', 'dead-letters/cc', 'dead-letters'],
    ['a prefix above the dead letters', 'dl', 'dl/orders'],
    ['the empty prefix', '', 'dead-letters'],
  ])('refuses %s in the dead-letter bucket', (_what, prefix, deadLetterPrefix) => {
    const problems = problemsOf({
      ...base,
      deadLetter: { kind: 's3', bucket: 'dead-letters', prefix: deadLetterPrefix },
      claimCheck: { bucket: 'dead-letters', prefix },
    });
    expect(problems).toEqual([
      expect.stringMatching(/^claimCheck\.prefix: prefix .* overlaps the dead-letter prefix/),
    ]);
  });

  it('accepts the same prefix in another bucket', () => {
    expect(() =>
      parseBridgeConfig({ ...base, claimCheck: { bucket: 'other-bucket', prefix: 'dead-letters/' } }),
    ).not.toThrow();
  });
});

describe('idleExit config', () => {
  it('is off by default and keeps afterMs', () => {
    expect(parseBridgeConfig(base).idleExit).toBeUndefined();
    expect(
      parseBridgeConfig({ ...base, idleExit: { afterMs: 300_000 }, backlog: { intervalMs: 15_000 } })
        .idleExit,
    ).toEqual({ afterMs: 300_000 });
  });

  it.each([
    [{ afterMs: 10_000 }, { intervalMs: 0 }, /backlog\.intervalMs is 0/],
    [{ afterMs: 10_000 }, undefined, /backlog\.intervalMs is 15000/],
    [{ afterMs: 500 }, { intervalMs: 100 }, /^idleExit\.afterMs: Too small/],
  ])('refuses %j with backlog %j', (idleExit, backlog, message) => {
    const problems = problemsOf({ ...base, idleExit, ...(backlog && { backlog }) });
    expect(problems).toEqual([expect.stringMatching(message)]);
  });
});
