import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signRequest, verifyRequest } from '#shared/edge/signature';

const body = '{"records":[]}';
const now = 1_800_000_000;

describe('signRequest', () => {
  it('is HMAC-SHA256(secret, t + "." + body) in hex, one v1 per secret', async () => {
    const header = await signRequest(['old', 'new'], body, now);
    const mac = (s: string) => createHmac('sha256', s).update(`${now}.${body}`).digest('hex');
    expect(header).toBe(`t=${now},v1=${mac('old')},v1=${mac('new')}`);
  });

  it('signs bytes exactly as their text', async () => {
    expect(await signRequest(['s'], new TextEncoder().encode(body), now)).toBe(
      await signRequest(['s'], body, now),
    );
  });

  it('refuses no secret and a bad timestamp', async () => {
    await expect(signRequest([], body, now)).rejects.toThrow(/at least one/);
    await expect(signRequest(['s'], body, 1.5)).rejects.toThrow(/1.5/);
  });
});

describe('verifyRequest', () => {
  interface Over {
    readonly body?: string;
    readonly secrets?: readonly string[];
    readonly nowSec?: number;
  }
  type Case = readonly [string, () => Promise<string | null>, Over, string];
  const verify = async (header: string | null, over: Over = {}) =>
    verifyRequest({
      header,
      body: over.body ?? body,
      secrets: over.secrets ?? ['s1'],
      nowSec: over.nowSec ?? now,
    });

  it.each([
    ['a valid signature', async () => signRequest(['s1'], body, now), {}, 'ok'],
    ['one of two signatures during a rotation', async () => signRequest(['old', 's1'], body, now), {}, 'ok'],
    [
      'the old secret while the function holds both',
      async () => signRequest(['old'], body, now),
      { secrets: ['s1', 'old'] },
      'ok',
    ],
    ['no header', async () => null, {}, 'missing'],
    ['an empty header', async () => '', {}, 'missing'],
    ['no t', async () => (await signRequest(['s1'], body, now)).replace(/^t=\d+,/, ''), {}, 'malformed'],
    ['no v1', async () => `t=${now}`, {}, 'malformed'],
    ['a short v1', async () => `t=${now},v1=abcd`, {}, 'malformed'],
    ['two t', async () => `t=${now},t=${now},v1=${'0'.repeat(64)}`, {}, 'malformed'],
    ['a timestamp 301 s old', async () => signRequest(['s1'], body, now - 301), {}, 'timestamp'],
    ['a timestamp 301 s ahead', async () => signRequest(['s1'], body, now + 301), {}, 'timestamp'],
    ['a timestamp 300 s old', async () => signRequest(['s1'], body, now - 300), {}, 'ok'],
    ['another secret', async () => signRequest(['other'], body, now), {}, 'mismatch'],
    ['a tampered body', async () => signRequest(['s1'], body, now), { body: `${body} ` }, 'mismatch'],
    [
      'a tampered timestamp',
      async () => (await signRequest(['s1'], body, now)).replace(`t=${now}`, `t=${now - 1}`),
      {},
      'mismatch',
    ],
  ] satisfies Case[])('%s', async (_name, header, over, expected) => {
    const result = await verify(await header(), over);
    expect(result.ok ? 'ok' : result.reason).toBe(expected);
  });

  it('ignores unknown schemes next to a valid v1', async () => {
    const header = `${await signRequest(['s1'], body, now)},v0=zzz`;
    expect((await verify(header)).ok).toBe(true);
  });
});
