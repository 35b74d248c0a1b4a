import { describe, expect, it } from 'vitest';
import { parseSigningSecretValue, resolveSigningSecrets } from '#bridge/http/signing-secrets';
import { parseBridgeConfig } from '#shared/config/bridge-config';

const S1 = 'first-secret-0123456789';
const S2 = 'second-secret-0123456789';
const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:edge-AbCdEf';

describe('parseSigningSecretValue', () => {
  it.each([
    [S1, [S1]],
    [`  ${S1}\n`, [S1]],
    [JSON.stringify([S1, S2]), [S1, S2]],
    [JSON.stringify({ current: S1, previous: S2 }), [S1, S2]],
    [JSON.stringify({ current: S1 }), [S1]],
  ])('%j → both secrets sign', (text, secrets) => {
    expect(parseSigningSecretValue(text)).toEqual({ ok: true, secrets });
  });

  it.each([
    ['short', /at least 16/],
    ['[not json', /not valid JSON/],
    [JSON.stringify([S1, S2, S1]), /holds 3 secrets/],
    [JSON.stringify([]), /holds 0 secrets/],
    [JSON.stringify({ previous: S1 }), /"current"/],
    [JSON.stringify({ current: S1, next: S2 }), /"current"/],
    [JSON.stringify([S1, 42]), /every secret must be a string/],
  ])('%j is refused without quoting it', (text, problem) => {
    const r = parseSigningSecretValue(text);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problem).toMatch(problem);
      expect(r.problem).not.toContain(S1);
    }
  });
});

describe('resolveSigningSecrets', () => {
  const config = parseBridgeConfig({
    nsqdTcpAddresses: ['127.0.0.1:4150'],
    deadLetter: { kind: 's3', bucket: 'dead-letters' },
    subscriptions: [
      { name: 'lambda', functionName: 'f', topic: 't', channel: 'c' },
      {
        name: 'env',
        topic: 't',
        channel: 'c',
        target: { type: 'http', url: 'https://a.example', signingSecret: 'EDGE_A' },
      },
      {
        name: 'arn',
        topic: 't',
        channel: 'c',
        target: { type: 'http', url: 'https://b.example', signingSecret: ARN },
      },
      {
        name: 'unset',
        topic: 't',
        channel: 'c',
        target: { type: 'http', url: 'https://c.example', signingSecret: 'EDGE_UNSET' },
      },
      {
        name: 'bad',
        topic: 't',
        channel: 'c',
        target: { type: 'http', url: 'https://d.example', signingSecret: 'EDGE_BAD' },
      },
      {
        name: 'denied',
        topic: 't',
        channel: 'c',
        target: { type: 'http', url: 'https://e.example', signingSecret: `${ARN}x` },
      },
    ],
  });

  it('reads env vars and Secrets Manager, and lists every problem without a secret in it', async () => {
    const read: string[] = [];
    const { secrets, problems } = await resolveSigningSecrets(config.subscriptions, {
      env: { EDGE_A: S1, EDGE_BAD: 'tiny' },
      readSecret: async (arn) => {
        read.push(arn);
        if (arn === ARN) return JSON.stringify({ current: S2, previous: S1 });
        throw Object.assign(new Error('User is not authorized to perform secretsmanager:GetSecretValue'), {
          name: 'AccessDeniedException',
        });
      },
    });
    expect(Object.fromEntries(secrets)).toEqual({ env: [S1], arn: [S2, S1] });
    expect(read.sort()).toEqual([ARN, `${ARN}x`]);
    expect(problems.sort()).toEqual([
      'subscriptions bad: target.signingSecret EDGE_BAD: the value every secret must be a string of at least 16 characters',
      `subscriptions denied: target.signingSecret ${ARN}x: cannot read the secret (AccessDeniedException: User is not authorized to perform secretsmanager:GetSecretValue)`,
      'subscriptions unset: target.signingSecret EDGE_UNSET: env var EDGE_UNSET is not set',
    ]);
    expect(problems.join('\n')).not.toContain('tiny');
  });
});
