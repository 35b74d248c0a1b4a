import { Ratelimit } from '@upstash/ratelimit';
import { Redis } from '@upstash/redis';
import { describe, expect, it } from 'vitest';
import { startLocalUpstash } from '#dev/local-upstash/server';
import { RedisServer } from '#dev/services/redis';
import { useLocalUpstash } from '#test/harness/upstash';

const upstash = useLocalUpstash();
const fixture = await upstash.start();

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${fixture.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${fixture.token}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as unknown };
}

describe('local Upstash endpoint with the real @upstash/redis client', () => {
  it('round-trips strings that look binary or like base64, with and without base64 encoding', async () => {
    // Prepare
    const values = ['abcd', 'aGVsbG8=', 'héllo wörld ✓', 'OK', 'tab\tnew\nline\u0001\u007f', '', '12345678'];
    for (const [i, responseEncoding] of ([undefined, false] as const).entries()) {
      const redis = new Redis({
        url: fixture.url,
        token: fixture.token,
        enableTelemetry: false,
        automaticDeserialization: false,
        ...(responseEncoding === false && { responseEncoding: false }),
      });

      // Act
      await Promise.all(values.map((v, j) => redis.set(`s:${i}:${j}`, v)));
      const back = await Promise.all(values.map((_, j) => redis.get<string>(`s:${i}:${j}`)));

      // Assess
      expect(back).toEqual(values);
    }
  });

  it('keeps bytes intact towards redis (binary-safe) and JSON values deserialise', async () => {
    // Prepare
    const redis = fixture.client();
    const raw = fixture.redisServer.port;
    const { Redis: IoRedis } = await import('ioredis');
    const io = new IoRedis(raw, '127.0.0.1');

    // Act
    await io.set('bin', Buffer.from([0xde, 0xad, 0xbe, 0xef]));
    const viaRest = await post('/', ['GET', 'bin'], { 'upstash-encoding': 'base64' });
    await redis.set('obj', { a: 1, s: 'héllo' });
    const obj = await redis.get('obj');
    io.disconnect();

    // Assess
    expect(viaRest).toEqual({
      status: 200,
      json: { result: Buffer.from([0xde, 0xad, 0xbe, 0xef]).toString('base64') },
    });
    expect(obj).toEqual({ a: 1, s: 'héllo' });
  });

  it('flattens HGETALL like RESP2 so the client rebuilds the object', async () => {
    // Prepare
    const redis = fixture.client();

    // Act
    await redis.hset('h', { f1: 'x', f2: 'aGVsbG8=' });
    const all = await redis.hgetall('h');
    const wire = await post('/', ['hgetall', 'h']);

    // Assess
    expect(all).toEqual({ f1: 'x', f2: 'aGVsbG8=' });
    expect(wire.json).toEqual({ result: ['f1', 'x', 'f2', 'aGVsbG8='] });
  });

  it('rejects a missing or wrong token with 401', async () => {
    // Prepare
    const wrong = new Redis({ url: fixture.url, token: 'wrong', enableTelemetry: false, retry: false });

    // Act
    const noToken = await fetch(`${fixture.url}/`, { method: 'POST', body: '["PING"]' });
    const error = await wrong.get('k').catch((e: unknown) => e);

    // Assess
    expect(noToken.status).toBe(401);
    expect(await noToken.json()).toEqual({ error: 'Unauthorized' });
    expect(String(error)).toMatch(/Unauthorized/);
  });

  it('runs multi-exec atomically and answers per command', async () => {
    // Prepare
    const redis = fixture.client();

    // Act
    const results = await redis.multi().set('m', 5).incr('m').get('m').exec();
    const aborted = await post('/multi-exec', [['SET', 'm2', '1'], ['NOTACOMMAND']]);
    const afterAbort = await redis.get('m2');

    // Assess
    expect(results).toEqual(['OK', 6, 6]);
    expect(aborted.status).toBe(400);
    expect(aborted.json).toMatchObject({ error: expect.stringMatching(/EXECABORT|unknown command/i) });
    expect(afterAbort).toBeNull();
  });

  it('answers a pipeline per command with result or error, and a failing command with 400', async () => {
    // Act
    await post('/', ['SET', 'text', 'not a number']);
    const pipeline = await post('/pipeline', [
      ['INCR', 'counter'],
      ['INCR', 'text'],
      ['GET', 'missing'],
    ]);
    const single = await post('/', ['INCR', 'text']);

    // Assess
    expect(pipeline.status).toBe(200);
    expect(pipeline.json).toEqual([
      { result: 1 },
      { error: expect.stringMatching(/not an integer/) },
      { result: null },
    ]);
    expect(single).toEqual({ status: 400, json: { error: expect.stringMatching(/not an integer/) } });
  });

  it('serves POST / for a client without auto-pipelining', async () => {
    // Prepare
    const redis = new Redis({
      url: fixture.url,
      token: fixture.token,
      enableTelemetry: false,
      enableAutoPipelining: false,
    });
    const before = fixture.endpoint.requestCounts.get('/') ?? 0;

    // Act
    await redis.set('plain', 'v');
    const value = await redis.get('plain');

    // Assess
    expect(value).toBe('v');
    expect((fixture.endpoint.requestCounts.get('/') ?? 0) - before).toBe(2);
  });

  it('refuses commands that would block or change the shared connection, as Upstash does', async () => {
    // Act
    const blocking = await post('/', ['BLPOP', 'q', '0']);
    const select = await post('/pipeline', [['SELECT', '2']]);

    // Assess
    // Upstash's words for a command its REST API does not have (dev/local-upstash/command-policy.ts).
    expect(blocking).toEqual({
      status: 400,
      json: { error: expect.stringMatching(/Command is not available: 'BLPOP'/) },
    });
    expect(select.status).toBe(400);
  });

  it('answers 500 with an error envelope while redis is unreachable', async () => {
    // Prepare
    const redisServer = await RedisServer.start();
    const endpoint = await startLocalUpstash({ redisPort: redisServer.port, token: 't' });
    const redis = new Redis({ url: endpoint.url, token: 't', enableTelemetry: false, retry: false });
    await redisServer.dispose();

    // Act
    const error = await redis.get('k').catch((e: unknown) => e);
    await endpoint.close();

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect(String(error)).toMatch(/cannot reach redis/);
  });
});

describe('local Upstash endpoint with the real @upstash/ratelimit client', () => {
  it.each([
    ['slidingWindow', Ratelimit.slidingWindow(5, '60 s')],
    ['fixedWindow', Ratelimit.fixedWindow(5, '60 s')],
    ['tokenBucket', Ratelimit.tokenBucket(1, '60 s', 5)],
  ])('%s allows 5 then limits, and EVALSHA hits after the first EVAL', async (name, limiter) => {
    // Prepare
    const ratelimit = new Ratelimit({
      redis: fixture.client(),
      limiter,
      prefix: `rl-${name}`,
      ephemeralCache: false,
      analytics: false,
    });
    await ratelimit.limit('warm-up-other-id');
    const before = fixture.endpoint.requestCounts.get('/pipeline') ?? 0;

    // Act
    const results = [];
    for (let i = 0; i < 7; i++) results.push(await ratelimit.limit('user-1'));
    const requests = (fixture.endpoint.requestCounts.get('/pipeline') ?? 0) - before;

    // Assess
    expect(results.map((r) => r.success)).toEqual([true, true, true, true, true, false, false]);
    expect(results[6]?.reset).toBeGreaterThan(Date.now());
    // One request per limit() call: no NOSCRIPT round trip once the rewritten script is loaded.
    expect(requests).toBe(7);
  });

  it('consumes several tokens with one call (rate)', async () => {
    // Prepare
    const ratelimit = new Ratelimit({
      redis: fixture.client(),
      limiter: Ratelimit.slidingWindow(10, '60 s'),
      prefix: 'rl-rate',
      ephemeralCache: false,
    });

    // Act
    const first = await ratelimit.limit('batch', { rate: 8 });
    const second = await ratelimit.limit('batch', { rate: 3 });

    // Assess
    expect(first).toMatchObject({ success: true, remaining: 2 });
    expect(second.success).toBe(false);
  });
});
