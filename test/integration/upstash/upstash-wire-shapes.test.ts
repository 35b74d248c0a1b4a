/**
 * The local Upstash endpoint on the wire: the JSON it sends, byte for byte, against Redis's RESP2
 * answer to the same command (mapped as Upstash documents: upstash/docs redis/features/restapi.mdx),
 * with and without `Upstash-Encoding: base64`, and the status codes and envelopes of refusals,
 * pipelines and transactions. The client-level parity is in upstash-parity.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { notAvailableMessage } from '#dev/local-upstash/command-policy';
import { connectResp2, type Resp2Reply } from '#dev/local-upstash/resp2';
import { startLocalUpstash } from '#dev/local-upstash/server';
import { useServices } from '#test/harness/services';

type Json = string | number | null | Json[];

/** Upstash's documented JSON for a RESP2 reply; base64 for every string but a whole-result "OK". */
function upstashJson(reply: Resp2Reply, base64: boolean, topLevel = true): Json {
  if (reply === null || typeof reply === 'number') return reply;
  if (Array.isArray(reply)) return reply.map((r) => upstashJson(r, base64, false));
  const bytes = Buffer.isBuffer(reply) ? reply : Buffer.from(reply.message);
  if (!base64 || (topLevel && bytes.toString('latin1') === 'OK'))
    return bytes.toString(base64 ? 'latin1' : 'utf8');
  return bytes.toString('base64');
}

const services = useServices();
let url = '';
let io: Awaited<ReturnType<typeof connectResp2>>;
const TOKEN = 'wire-token';

async function post(path: string, body: unknown, base64 = false) {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, ...(base64 && { 'upstash-encoding': 'base64' }) },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as unknown };
}

beforeAll(async () => {
  const redisServer = await services.redis();
  const endpoint = await startLocalUpstash({ redisPort: redisServer.port, token: TOKEN });
  io = await connectResp2({ port: redisServer.port });
  url = endpoint.url;
  const setup = [
    ['ZADD', 'z', '4', 'a', '2.5', 'b'],
    ['HSET', 'h', 'f1', 'x', 'f2', '2'],
    ['HSET', 'h1', 'only', 'v'],
    ['XADD', 'st', '1-1', 'f', 'v'],
    ['GEOADD', 'geo', '13.361389', '38.115556', 'Palermo'],
    ['SET', 'okv', 'OK'],
    ['EVAL', "redis.call('SET', KEYS[1], string.char(255, 0, 97)) return 1", '1', 'bin'],
  ];
  for (const [name, ...args] of setup) await io.call(name as string, ...args);
  return async () => {
    io.disconnect();
    await endpoint.close();
  };
});

describe('the local Upstash endpoint sends RESP2 shapes as JSON', () => {
  it('answers ZUNION WITHSCORES with the flat list Upstash sends', async () => {
    expect(await post('/', ['ZUNION', '1', 'z', 'WITHSCORES'])).toEqual({
      status: 200,
      json: { result: ['b', '2.5', 'a', '4'] },
    });
  });

  it.each([
    [['ZRANGE', 'z', '0', '-1', 'WITHSCORES']],
    [['ZSCORE', 'z', 'b']],
    [['HGETALL', 'h']],
    [['HRANDFIELD', 'h1', '-3', 'WITHVALUES']],
    [['CONFIG', 'GET', 'maxmemory-policy']],
    [['XRANGE', 'st', '-', '+']],
    [['XREAD', 'STREAMS', 'st', '0']],
    [['XINFO', 'STREAM', 'st']],
    [['GEOPOS', 'geo', 'Palermo', 'nowhere']],
    [['GEODIST', 'geo', 'Palermo', 'Palermo']],
    [['EVAL', "return {1, 'two', {3.5, false, {true}}}", '0']],
    [['MGET', 'okv', 'nope', 'okv']],
    [['GET', 'okv']],
    [['SET', 'k', 'v']],
    [['GET', 'bin']],
    [['GETRANGE', 'bin', '0', '0']],
    [['ZMSCORE', 'z', 'a', 'nope']],
    [['PING']],
  ])('%j equals Redis over RESP2, plain and base64', async (command) => {
    const [name, ...args] = command as [string, ...string[]];
    // Each command is read-only or idempotent here, so Redis and the endpoint see the same state.
    const reply = (await io.callBuffer(name, ...args)) as Resp2Reply;
    expect(await post('/', command)).toEqual({ status: 200, json: { result: upstashJson(reply, false) } });
    expect(await post('/', command, true)).toEqual({
      status: 200,
      json: { result: upstashJson(reply, true) },
    });
  });
});

describe('the local Upstash endpoint refuses and fails as Upstash does', () => {
  it('answers a command Upstash does not have with 400 and its words, unknown commands too', async () => {
    expect(await post('/', ['SORT', 'z'])).toEqual({
      status: 400,
      json: { error: notAvailableMessage('SORT') },
    });
    expect(await post('/', ['NOPE', 'x'])).toEqual({
      status: 400,
      json: { error: notAvailableMessage('NOPE') },
    });
  });

  it('answers a pipeline per command: a refused or failing command does not stop the others', async () => {
    const res = await post('/pipeline', [
      ['SET', 'p', 'v'],
      ['OBJECT', 'ENCODING', 'p'],
      ['INCR', 'p'],
      ['GET', 'p'],
    ]);
    expect(res).toEqual({
      status: 200,
      json: [
        { result: 'OK' },
        { error: notAvailableMessage('OBJECT') },
        { error: 'ERR value is not an integer or out of range' },
        { result: 'v' },
      ],
    });
  });

  it('discards a transaction holding a refused command as a whole, with 400 and nothing run', async () => {
    const res = await post('/multi-exec', [
      ['SET', 'tx', '1'],
      ['SORT', 'z'],
    ]);
    expect(res).toEqual({ status: 400, json: { error: notAvailableMessage('SORT') } });
    expect(await io.exists('tx')).toBe(0);
  });

  it('runs every command of a transaction even when one fails at run time', async () => {
    const res = await post(
      '/multi-exec',
      [
        ['SET', 'tx2', 'text'],
        ['INCR', 'tx2'],
        ['GET', 'tx2'],
      ],
      true,
    );
    expect(res).toEqual({
      status: 200,
      json: [
        { result: 'OK' },
        { error: 'ERR value is not an integer or out of range' },
        { result: 'dGV4dA==' },
      ],
    });
  });
});
