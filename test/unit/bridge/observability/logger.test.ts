import { describe, expect, it } from 'vitest';
import { createLogger, createRedactor, isLogLevel, REDACTED } from '#bridge/observability/logger';

function capture(options: Parameters<typeof createLogger>[0] = {}) {
  const lines: string[] = [];
  const logger = createLogger({
    now: () => Date.UTC(2026, 0, 2, 3, 4, 5),
    write: (l) => lines.push(l),
    ...options,
  });
  return { logger, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('createLogger', () => {
  it('writes one JSON line with time, level, msg and fields, filtered by level', () => {
    // Prepare
    const { logger, parsed } = capture({ level: 'info', base: { service: 'bridge' } });
    // Act
    logger.debug('hidden');
    logger.info('message requeued', { subscription: 'orders', id: 'abc', delayMs: 500 });
    logger.child({ subscription: 'orders' }).error('failed', { ids: ['a', 'b'] });
    // Assess
    expect(parsed()).toEqual([
      {
        time: '2026-01-02T03:04:05.000Z',
        level: 'info',
        msg: 'message requeued',
        service: 'bridge',
        subscription: 'orders',
        id: 'abc',
        delayMs: 500,
      },
      {
        time: '2026-01-02T03:04:05.000Z',
        level: 'error',
        msg: 'failed',
        service: 'bridge',
        subscription: 'orders',
        ids: ['a', 'b'],
      },
    ]);
    expect(logger.isLevelEnabled('debug')).toBe(false);
    expect(logger.isLevelEnabled('warn')).toBe(true);
  });

  it('serializes errors with their cause chain, and survives circular and odd values', () => {
    const { logger, parsed } = capture();
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    const err = Object.assign(new Error('outer', { cause: new Error('inner') }), { code: 'E_X' });
    logger.error('boom', {
      error: err,
      circular,
      big: 10n,
      body: Buffer.from('secret-ish bytes'),
      fn: () => 1,
    });
    const [entry] = parsed();
    expect(entry?.error).toMatchObject({
      name: 'Error',
      message: 'outer',
      code: 'E_X',
      cause: { message: 'inner' },
    });
    expect((entry?.error as { stack?: string } | undefined)?.stack).toContain('outer');
    expect(entry?.circular).toEqual({ a: 1, self: '[circular]' });
    expect(entry?.big).toBe('10');
    expect(entry?.body).toBe('[16 bytes]');
    expect(entry).not.toHaveProperty('fn');
  });

  it('never writes a configured secret, wherever and however it appears', () => {
    // Prepare
    const nsqSecret = 'nsq-auth-s3cr3t/"x"';
    const upstashToken = 'AXXXupstashTOKEN123=';
    const { logger, lines } = capture({ level: 'debug', redact: [nsqSecret, upstashToken, undefined, ''] });
    // Act: in the message, in a field, inside an error message, its stack and its cause, URL-encoded and base64.
    logger.info(`connecting with ${nsqSecret}`);
    logger.warn('auth failed', {
      detail: `AUTH ${nsqSecret} rejected`,
      url: `https://x/?token=${encodeURIComponent(upstashToken)}`,
      header: `Basic ${Buffer.from(upstashToken).toString('base64')}`,
      error: new Error(`E_AUTH_FAILED for ${nsqSecret}`, { cause: new Error(`Bearer ${upstashToken}`) }),
      nested: { deeper: [{ value: upstashToken }] },
    });
    // Keys that look secret are replaced even when the value is not in the redaction list.
    logger.info('config', {
      authSecret: 'other-value',
      upstashToken: 'another',
      password: 'p',
      plain: 'kept',
    });
    // Assess
    const all = lines.join('\n');
    expect(all).not.toContain(nsqSecret);
    expect(all).not.toContain(JSON.stringify(nsqSecret).slice(1, -1));
    expect(all).not.toContain(upstashToken);
    expect(all).not.toContain(encodeURIComponent(upstashToken));
    expect(all).not.toContain(Buffer.from(upstashToken).toString('base64'));
    expect(all).not.toContain('other-value');
    expect(all).not.toContain('another');
    expect(all).toContain(REDACTED);
    expect(all).toContain('"plain":"kept"');
    // Every line is still valid JSON.
    for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();
  });
});

describe('createRedactor', () => {
  it('returns text unchanged without secrets', () => {
    expect(createRedactor([])('abc')).toBe('abc');
  });
  it('replaces longer forms first', () => {
    expect(createRedactor(['ab', 'abc'])('xabcx ab')).toBe(`x${REDACTED}x ${REDACTED}`);
  });
});

describe('isLogLevel', () => {
  it('accepts the four levels only', () => {
    expect(['debug', 'info', 'warn', 'error'].every(isLogLevel)).toBe(true);
    expect(isLogLevel('trace')).toBe(false);
    expect(isLogLevel('toString')).toBe(false);
  });
});
