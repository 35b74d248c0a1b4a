/**
 * The lean Lambda invoker against the SDK invoker it replaced (see lambda-invoker-differential.test.ts),
 * on what a proxy or a broken network sends (raw HTTP and TCP servers) and on the local Lambda running
 * the fixture functions: the same InvokeResult, field for field.
 */
import http from 'node:http';
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import type { InvokeResult } from '#bridge/ports';
import { freePort } from '#dev/services/ports';
import { waitFor } from '#dev/services/wait';
import { useLocalLambda } from '../../local-lambda/use-local-lambda.ts';
import { both, invokersAt } from './differential-pair.ts';

/** A raw HTTP server answering each call with `reply`'s status, headers and body. */
async function rawHttpServer(reply: () => { status: number; headers: Record<string, string>; body: string }) {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const { status, headers, body } = reply();
      res.writeHead(status, { 'content-length': String(Buffer.byteLength(body)), ...headers });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, endpoint: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}` };
}

describe('replies from proxies and odd servers', () => {
  const html = '<html><body><h1>502 Bad Gateway</h1></body></html>';
  const cases: Array<[string, number, Record<string, string>, string]> = [
    ['502 HTML', 502, { 'content-type': 'text/html' }, html],
    [
      '503 HTML',
      503,
      { 'content-type': 'text/html' },
      html.replace('502 Bad Gateway', 'Service Unavailable'),
    ],
    ['429 HTML', 429, { 'content-type': 'text/html' }, html],
    ['403 HTML', 403, {}, html],
    ['503 empty', 503, {}, ''],
    ['500 JSON null', 500, {}, 'null'],
    ['302 redirect', 302, { location: 'http://example.invalid/' }, ''],
    ['400 body code', 400, {}, '{"code":"ThrottlingException","message":"slow down"}'],
    [
      '400 body __type with namespace',
      400,
      {},
      '{"__type":"com.amazon.coral#InvalidRequestContentException","Message":"m"}',
    ],
    [
      '403 header with URL',
      403,
      { 'x-amzn-errortype': 'ExpiredTokenException:http://internal.amazon.com/' },
      '{"message":"expired"}',
    ],
    [
      '429 body-only retry-after',
      429,
      { 'x-amzn-errortype': 'TooManyRequestsException' },
      '{"Reason":"CallerRateLimitExceeded","retryAfterSeconds":"4"}',
    ],
    [
      '429 header beats body',
      429,
      { 'x-amzn-errortype': 'TooManyRequestsException', 'retry-after': '7' },
      '{"retryAfterSeconds":"4"}',
    ],
    ['429 no type', 429, {}, '{"message":"Rate exceeded"}'],
    ['413 unnamed', 413, {}, '{"message":"HTTP content length exceeded 6291456 bytes."}'],
    ['500 empty message', 500, { 'x-amzn-errortype': 'ServiceException' }, '{"message":""}'],
    ['200 empty function error header', 200, { 'x-amz-function-error': '' }, '{"ok":true}'],
    ['200 request id header variant', 200, { 'x-amz-request-id': 'rid-2' }, '{}'],
    ['204', 204, { 'x-amzn-requestid': 'rid-3' }, ''],
  ];
  it.each(cases)('%s', async (_, status, headers, body) => {
    const { server, endpoint } = await rawHttpServer(() => ({ status, headers, body }));
    const pair = invokersAt(endpoint);
    try {
      const [sdk, lean] = await both(pair);
      expect(lean).toEqual(sdk);
    } finally {
      await pair.sdk.close();
      await pair.lean.close();
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('broken networks (raw TCP)', () => {
  const cases: Array<[string, (socket: net.Socket) => void, InvokeResult['kind']]> = [
    ['closed before any reply', (s) => s.once('data', () => s.destroy()), 'ambiguous'],
    ['reset (RST) before any reply', (s) => s.once('data', () => s.resetAndDestroy()), 'ambiguous'],
    ['garbage instead of HTTP', (s) => s.once('data', () => s.end('SMTP ready\r\n\r\n')), 'ambiguous'],
    [
      'closed mid-body',
      (s) => s.once('data', () => s.end('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{"batch')),
      'ambiguous',
    ],
    ['a server that never answers', () => {}, 'ambiguous'],
  ];
  it.each(cases)('%s', async (_, onConnection, kind) => {
    const sockets = new Set<net.Socket>();
    const server = net.createServer((s) => {
      sockets.add(s);
      s.on('error', () => {});
      onConnection(s);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const pair = invokersAt(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`);
    try {
      const [sdk, lean] = await both(pair, 'fn', Buffer.from('{}'), 500);
      expect(sdk.kind).toBe(kind);
      expect(lean).toEqual(sdk);
    } finally {
      await pair.sdk.close();
      await pair.lean.close();
      for (const s of sockets) s.destroy();
      server.close();
    }
  });

  it('connection refused', async () => {
    const pair = invokersAt(`http://127.0.0.1:${await freePort()}`);
    const [sdk, lean] = await both(pair);
    expect(sdk).toMatchObject({ kind: 'notExecuted', errorType: 'ECONNREFUSED' });
    expect(lean).toEqual(sdk);
    await pair.sdk.close();
    await pair.lean.close();
  });
});

describe('the local Lambda running real functions', async () => {
  const { lambda } = await useLocalLambda({
    only: ['echo', 'throw', 'reject', 'crash', 'timeout', 'slow', 'huge-response'],
  });
  const pair = invokersAt(lambda.endpoint);
  afterAll(async () => {
    await pair.sdk.close();
    await pair.lean.close();
  });
  const json = (value: unknown) => Buffer.from(JSON.stringify(value));
  /** The local Lambda writes each call's request id into messages, and echo counts its invocations. */
  const perCall = (result: Record<string, unknown>) =>
    JSON.parse(
      JSON.stringify(result)
        .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '(uuid)')
        .replace(/\\"invocationsInThisProcess\\":\d+/, '(count)'),
    ) as Record<string, unknown>;

  it.each([
    ['echo', { hello: 'world' }, 'ok'],
    ['throw', {}, 'functionError'],
    ['reject', {}, 'functionError'],
    ['crash', {}, 'functionError'],
    ['timeout', {}, 'functionError'],
    ['huge-response', { bytes: 6_400_000 }, 'functionError'],
    ['no-such-function', {}, 'notExecuted'],
  ])('%s', async (name, event, kind) => {
    const [sdk, lean] = (await both(pair, name, json(event), 30_000)).map(perCall);
    expect(sdk?.kind).toBe(kind);
    expect(lean).toEqual(sdk);
  });

  it('a request over 6 MB', async () => {
    const [sdk, lean] = await both(pair, 'echo', json({ big: 'x'.repeat(6_400_000) }), 30_000);
    expect(sdk.kind).toBe('tooLarge');
    expect(lean).toEqual(sdk);
  });

  it('a throttle while the only slot is busy', async () => {
    const first = pair.sdk.invoke({ functionName: 'slow', payload: json({ ms: 3_000 }), timeoutMs: 30_000 });
    await waitFor(() => lambda.stats().slow?.inFlight === 1, { what: 'the slow invocation to run' });
    const [sdk, lean] = await both(pair, 'slow', json({ ms: 1 }));
    expect(sdk).toMatchObject({
      kind: 'throttled',
      reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
    });
    expect(lean).toEqual(sdk);
    expect((await first).kind).toBe('ok');
  });
});
