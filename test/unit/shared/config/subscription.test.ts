/** The subscription settings added for filters, record age and rate limits, through the bridge config loader. */
import { describe, expect, it } from 'vitest';
import { parseBridgeConfig } from '#shared/config/bridge-config';
import { rateLimitBurst } from '#shared/config/subscription';
import { ConfigError } from '#shared/errors';

const sub = { name: 'orders', functionName: 'orders-fn', topic: 'orders', channel: 'bridge' };
const config = (extra: Record<string, unknown>, globals: Record<string, unknown> = {}) => ({
  nsqdTcpAddresses: ['127.0.0.1:4150'],
  deadLetter: { kind: 's3', bucket: 'dead-letters' },
  ...globals,
  subscriptions: [{ ...sub, ...extra }],
});

function problemsOf(raw: unknown): string[] {
  try {
    parseBridgeConfig(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

describe('subscription settings: filters, maxRecordAgeMs, rateLimit', () => {
  it('defaults: no filters, finish filtered-out messages, no age limit, dead-letter expired ones, no rate limit', () => {
    const s = parseBridgeConfig(config({})).subscriptions[0];
    expect(s).toMatchObject({ onFilteredOut: 'finish', onExpired: 'deadLetter' });
    expect(s?.filters).toBeUndefined();
    expect(s?.maxRecordAgeMs).toBeUndefined();
    expect(s?.rateLimit).toBeUndefined();
    expect(parseBridgeConfig(config({})).rateLimitTaskCount).toBe(1);
  });

  it('accepts patterns as objects or JSON text', () => {
    const s = parseBridgeConfig(
      config({
        filters: [{ body: { kind: ['a'] } }, '{"body":[{"prefix":"x"}]}'],
        onFilteredOut: 'deadLetter',
      }),
    ).subscriptions[0];
    expect(s?.filters).toHaveLength(2);
    expect(s?.onFilteredOut).toBe('deadLetter');
  });

  it('an invalid pattern stops the config, listing every problem with its full path, alongside other problems', () => {
    const problems = problemsOf(
      config({
        filters: [{ body: { price: [{ numeric: ['<', 'ten'] }], kind: 'a' } }, { meta: {} }],
        maxRecordAgeMs: 10,
        onExpired: 'archive',
        rateLimit: { messagesPerSecond: 0, burst: 0 },
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^subscriptions\.0\.filters\.0\.body\.price\.0\.numeric\.1: must be a finite number/,
        ),
        expect.stringMatching(/^subscriptions\.0\.filters\.0\.body\.kind: must be an array of rules/),
        expect.stringMatching(/^subscriptions\.0\.filters\.1\.meta: only `body` can be filtered/),
        expect.stringMatching(/^subscriptions\.0\.maxRecordAgeMs: /),
        expect.stringMatching(/^subscriptions\.0\.onExpired: /),
        expect.stringMatching(/^subscriptions\.0\.rateLimit\.messagesPerSecond: /),
        expect.stringMatching(/^subscriptions\.0\.rateLimit\.burst: /),
      ]),
    );
    expect(problems).toHaveLength(7);
  });

  it('refuses a rate limit so low that the messages nsqd may hand over outwait --max-msg-timeout', () => {
    // 40 in flight at 0.04/s per task = 1,000 s of waiting, past 900 s.
    expect(problemsOf(config({ rateLimit: { messagesPerSecond: 0.04 } }))).toEqual([
      expect.stringMatching(
        /^subscriptions\.0\.rateLimit: at 0\.04 messages\/s per task, maxInFlight \(40\)/,
      ),
    ]);
    // Divided among 4 tasks, 0.16/s is 0.04/s each: refused too; alone it is fine.
    expect(
      problemsOf(config({ rateLimit: { messagesPerSecond: 0.16 } }, { rateLimitTaskCount: 4 })),
    ).toHaveLength(1);
    expect(
      parseBridgeConfig(config({ rateLimit: { messagesPerSecond: 0.2 } })).subscriptions[0]?.rateLimit,
    ).toEqual({
      messagesPerSecond: 0.2,
    });
  });

  it('each task enforces the rate and burst divided by rateLimitTaskCount', () => {
    const c = parseBridgeConfig(
      config({ rateLimit: { messagesPerSecond: 100, burst: 10 } }, { rateLimitTaskCount: 4 }),
    );
    expect(c.subscriptions[0]?.rateLimitPerTask).toEqual({ messagesPerSecond: 25, burst: 3 });
    expect(
      parseBridgeConfig(config({ rateLimit: { messagesPerSecond: 7.5 } })).subscriptions[0]?.rateLimitPerTask,
    ).toEqual({
      messagesPerSecond: 7.5,
      burst: 8,
    });
    expect(parseBridgeConfig(config({})).subscriptions[0]?.rateLimitPerTask).toBeUndefined();
  });

  it('burst defaults to the rate rounded up, at least 1', () => {
    expect(rateLimitBurst({ messagesPerSecond: 0.5 })).toBe(1);
    expect(rateLimitBurst({ messagesPerSecond: 12.5 })).toBe(13);
    expect(rateLimitBurst({ messagesPerSecond: 12.5, burst: 3 })).toBe(3);
  });
});
