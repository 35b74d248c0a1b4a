/**
 * The local Upstash endpoint runs nothing without its exact bearer token (SECURITY.md): every path,
 * every near-miss of the token, and no side effect in Redis. The basic 401 is also in
 * test/integration/upstash/local-upstash.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { useLocalUpstash } from '#test/harness/upstash';

const upstash = useLocalUpstash();

describe('the local Upstash endpoint requires its token', () => {
  it('answers 401 to every request without the exact token, and runs nothing', async () => {
    const { url, token, client } = await upstash.start();
    const redis = client();
    const authHeaders: (string | undefined)[] = [
      undefined,
      '',
      'Bearer',
      'Bearer ',
      `Basic ${Buffer.from(`default:${token}`).toString('base64')}`,
      `Bearer ${token}x`,
      `Bearer x${token}`,
      `Bearer ${token.slice(0, -1)}`,
      `Bearer ${token.toUpperCase() === token ? token.toLowerCase() : token.toUpperCase()}`,
      `Token ${token}`,
      token,
    ];
    const requests: { path: string; body: unknown }[] = [
      { path: '/', body: ['SET', 'pwned', '1'] },
      { path: '/pipeline', body: [['SET', 'pwned', '1']] },
      { path: '/multi-exec', body: [['SET', 'pwned', '1']] },
      { path: `/?_token=${token}`, body: ['SET', 'pwned', '1'] },
      { path: '/set/pwned/1', body: null },
    ];
    for (const authorization of authHeaders)
      for (const { path, body } of requests) {
        const res = await fetch(`${url}${path}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(authorization !== undefined && { authorization }),
          },
          ...(body !== null && { body: JSON.stringify(body) }),
        });
        expect(res.status, `${path} with ${JSON.stringify(authorization)}`).toBe(401);
        expect(await res.text()).not.toContain(token);
      }
    const get = await fetch(`${url}/get/pwned`);
    expect(get.status).toBe(401);
    expect(await redis.exists('pwned')).toBe(0);
    // The exact token works (the rejections above were about the token, not the requests).
    const ok = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(['SET', 'allowed', '1']),
    });
    expect(ok.status).toBe(200);
    expect(await redis.get('allowed')).toBe(1);
  });
});
