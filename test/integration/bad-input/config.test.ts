/**
 * Invalid config and invalid topic or channel names (docs/faults.md): the bridge refuses to start,
 * exits 1, and lists every problem at once; nothing connects to nsqd. The cross-field rules are unit
 * tested in test/unit/shared/config/bridge-config.test.ts, a bad topic through the real process in
 * test/integration/bridge/bridge-lifecycle.test.ts; here: every way a name can be wrong, and every way
 * the config sources can be wrong.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBridgeConfig } from '#shared/config/bridge-config';
import { ConfigError } from '#shared/errors';
import { defineFunction } from '#shared/functions/definition';
import { spawnBridge } from '#test/integration/bridge/bridge-process';

const badNames: [string, string][] = [
  ['empty', ''],
  ['a space', 'orders new'],
  ['65 characters', 'x'.repeat(65)],
  ['non-ASCII', 'tópico'],
  ['a slash', 'orders/eu'],
  ['a newline', 'orders\nSUB x y'],
  ['only the ephemeral suffix', '#ephemeral'],
  ['the suffix twice', 'orders#ephemeral#ephemeral'],
  ['a colon', 'orders:eu'],
];

function problemsOf(raw: unknown): string[] {
  try {
    parseBridgeConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('the config was accepted');
}

describe('invalid topic and channel names', () => {
  it('are each reported, for topics, channels and the dead-letter topic, in one error', () => {
    const problems = problemsOf({
      nsqdTcpAddresses: ['127.0.0.1:4150'],
      deadLetter: { kind: 'nsq', topic: 'dead letters', nsqdHttpAddresses: ['127.0.0.1:4151'] },
      subscriptions: badNames.map(([, name], i) => ({
        name: `s${i}`,
        functionName: 'f',
        topic: name,
        channel: name,
      })),
    });
    for (let i = 0; i < badNames.length; i++) {
      expect(
        problems.some((p) => p.startsWith(`subscriptions.${i}.topic:`)),
        badNames[i]?.[0],
      ).toBe(true);
      expect(
        problems.some((p) => p.startsWith(`subscriptions.${i}.channel:`)),
        badNames[i]?.[0],
      ).toBe(true);
    }
    expect(problems.some((p) => p.startsWith('deadLetter.topic:'))).toBe(true);
  });

  it('a 60-character channel with ephemeral: true passes 64 characters once suffixed', () => {
    const problems = problemsOf({
      nsqdTcpAddresses: ['127.0.0.1:4150'],
      deadLetter: { kind: 's3', bucket: 'dl' },
      subscriptions: [{ name: 'a', functionName: 'f', topic: 't', channel: 'c'.repeat(60), ephemeral: true }],
    });
    expect(problems.join('\n')).toMatch(/channel with #ephemeral is 70 characters \(max 64\)/);
  });

  it('a function definition with a bad topic fails at import, naming the field', () => {
    expect(() =>
      defineFunction({ name: 'bad-topic', subscriptions: [{ topic: 'orders eu', channel: 'worker' }] }),
    ).toThrow(/subscriptions\.0\.topic: must match/);
  });
});

describe('the bridge process refuses bad config sources: exit 1, the problem named, never started', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bad-config-'));
  const notObject = join(dir, 'array.json');
  writeFileSync(notObject, '[1, 2]');
  const sources: [string, NodeJS.ProcessEnv, RegExp][] = [
    [
      'no config at all',
      { NSQ_LAMBDA_CONFIG: '' },
      /set NSQ_LAMBDA_CONFIG \(JSON\) and\/or NSQ_LAMBDA_CONFIG_FILE/,
    ],
    [
      'env JSON that does not parse',
      { NSQ_LAMBDA_CONFIG: '{"subscriptions": [' },
      /NSQ_LAMBDA_CONFIG: invalid JSON/,
    ],
    [
      'a config file that does not exist',
      { NSQ_LAMBDA_CONFIG: '', NSQ_LAMBDA_CONFIG_FILE: join(dir, 'missing.json') },
      /NSQ_LAMBDA_CONFIG_FILE: cannot read .*missing\.json/,
    ],
    [
      'a config file holding an array',
      { NSQ_LAMBDA_CONFIG: '', NSQ_LAMBDA_CONFIG_FILE: notObject },
      /NSQ_LAMBDA_CONFIG_FILE .*array\.json: must be a JSON object/,
    ],
    ['an empty object', { NSQ_LAMBDA_CONFIG: '{}' }, /deadLetter: [\s\S]*subscriptions: /],
    [
      'filter patterns with two problems',
      {
        NSQ_LAMBDA_CONFIG: JSON.stringify({
          nsqdTcpAddresses: ['127.0.0.1:4150'],
          deadLetter: { kind: 's3', bucket: 'dead-letters' },
          subscriptions: [
            {
              name: 'a',
              functionName: 'f',
              topic: 't',
              channel: 'c',
              filters: [{ body: { price: [{ numeric: ['<', 'ten'] }] } }, { meta: {} }],
            },
          ],
        }),
      },
      /invalid bridge config \(2 problems\)[\s\S]*subscriptions\.0\.filters\.0\.body\.price\.0\.numeric\.1: must be a finite number, got "ten"[\s\S]*subscriptions\.0\.filters\.1\.meta: only `body` can be filtered/,
    ],
  ];
  it.each(sources)('%s', async (_name, env, expected) => {
    const p = spawnBridge('', env);
    expect(await p.exited).toBe(1);
    expect(p.output()).toMatch(expected);
    expect(p.output()).not.toMatch(/bridge started/);
  });
});
