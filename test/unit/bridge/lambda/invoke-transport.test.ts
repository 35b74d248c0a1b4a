import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyError } from '#bridge/lambda/invoke-outcome';
import {
  abortErrorOf,
  connectTimeoutError,
  createTransport,
  deadlineError,
} from '#bridge/lambda/invoke-transport';
import { keepAliveAgents } from '#shared/clients/aws-client-config';

describe('the transport’s errors, as invoke-outcome.ts reads them', () => {
  it('a connect timeout sent nothing', () => {
    expect(classifyError(connectTimeoutError(3_000), 1)).toMatchObject({
      kind: 'notExecuted',
      errorType: 'ConnectTimeout',
    });
  });

  it('a deadline may have run the function', () => {
    expect(classifyError(deadlineError(300), 1)).toMatchObject({ kind: 'ambiguous', errorType: 'Timeout' });
  });

  it.each([
    [new Error('drain deadline'), 'Request aborted'],
    ['drain deadline', 'drain deadline'],
  ])('an abort with reason %s says %s', (reason, message) => {
    const error = abortErrorOf(AbortSignal.abort(reason));
    expect([error.name, error.message]).toEqual(['AbortError', message]);
  });
});

describe('createTransport', () => {
  const sockets = new Set<Socket>();
  let server: http.Server;
  let url: URL;
  const transport = createTransport({
    ...keepAliveAgents({ maxSockets: 2, keepAliveMs: 1_000 }),
    connectionTimeoutMs: 1_000,
    keepAliveMs: 1_000,
  });
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        // Headers and part of the body, then silence: the deadline must still end the call.
        res.writeHead(200, { 'content-length': '100' });
        res.write('{"partial":');
      });
    });
    server.on('connection', (s) => sockets.add(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  afterAll(() => {
    transport.destroy();
    for (const s of sockets) s.destroy();
    server.close();
  });

  it('ends a call whose reply body stalls at the deadline (the SDK’s deadline stopped at the headers)', async () => {
    const started = performance.now();
    const error = await transport
      .send({ url, path: '/', headers: { host: url.host }, body: Buffer.from('{}'), timeoutMs: 300 })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toMatchObject({ name: 'TimeoutError', code: 'ETIMEDOUT' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
  });
});
