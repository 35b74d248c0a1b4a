/**
 * The HTTP invoker against a real HTTP server on 127.0.0.1: keep-alive sockets bounded by the
 * subscription's concurrency, the signature and idempotency headers, and the deadline and abort paths.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpInvoker, type HttpInvoker } from '#bridge/http/http-invoker';
import { type HttpFunctionServer, startHttpFunctionServer } from '#test/harness/http-function-server';
import { waitFor } from '#test/harness/services';

const SECRET = 'unit-signing-secret-0123456789';
const event = (batchId: string) =>
  Buffer.from(JSON.stringify({ version: 1, source: 'nsq-lambda', batchId, subscription: 's', messages: [] }));

let server: HttpFunctionServer | undefined;
let invoker: HttpInvoker | undefined;
afterEach(async () => {
  await invoker?.close();
  await server?.close();
  invoker = undefined;
  server = undefined;
});

describe('createHttpInvoker', () => {
  it('signs every request, sends the batch id as the idempotency key, and reads the reply', async () => {
    server = await startHttpFunctionServer({ secrets: [SECRET] }, () => ({
      status: 200,
      body: { batchItemFailures: [] },
      headers: { 'x-request-id': 'req-1' },
    }));
    invoker = createHttpInvoker({ url: `${server.url}?route=1`, secrets: [SECRET], connections: 1 });
    const result = await invoker.invoke({ functionName: 'f', payload: event('b-1.a'), timeoutMs: 5_000 });
    expect(result).toMatchObject({ kind: 'ok', requestId: 'req-1' });
    expect(result.kind === 'ok' && Buffer.from(result.payload).toString()).toBe('{"batchItemFailures":[]}');
    expect(server.calls[0]?.signature.ok).toBe(true);
    expect(server.calls[0]?.idempotencyKey).toBe('b-1.a');
    expect(server.calls[0]?.path).toBe('/batch?route=1');
    expect(invoker.endpoint).toBe(server.url);
  });

  it('keeps at most `connections` sockets open, and reuses them', async () => {
    server = await startHttpFunctionServer({ secrets: [SECRET] }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return { status: 204 };
    });
    invoker = createHttpInvoker({ url: server.url, secrets: [SECRET], connections: 2 });
    const own = invoker;
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        own.invoke({ functionName: 'f', payload: event(`b${i}`), timeoutMs: 5_000 }),
      ),
    );
    expect(results.every((r) => r.kind === 'ok')).toBe(true);
    for (let i = 0; i < 4; i++)
      await own.invoke({ functionName: 'f', payload: event(`s${i}`), timeoutMs: 5_000 });
    const ports = new Set(server.calls.map((c) => c.remotePort));
    expect(server.calls).toHaveLength(12);
    expect(ports.size).toBe(2);
  });

  it('a reply later than timeoutMs is ambiguous (Timeout); the caller aborting is ambiguous (Aborted)', async () => {
    server = await startHttpFunctionServer({ secrets: [SECRET] }, () => ({ hang: true }));
    invoker = createHttpInvoker({ url: server.url, secrets: [SECRET], connections: 2 });
    const timedOut = await invoker.invoke({ functionName: 'f', payload: event('t'), timeoutMs: 300 });
    expect(timedOut).toMatchObject({ kind: 'ambiguous', errorType: 'Timeout' });
    expect(timedOut.durationMs).toBeGreaterThanOrEqual(290);
    const abort = new AbortController();
    const pending = invoker.invoke({
      functionName: 'f',
      payload: event('a'),
      timeoutMs: 10_000,
      signal: abort.signal,
    });
    await waitFor(() => server?.calls.length === 2, { what: 'the second request at the server' });
    abort.abort();
    expect(await pending).toMatchObject({ kind: 'ambiguous', errorType: 'Aborted' });
  });

  it('refuses a pool without connections or secrets', () => {
    expect(() => createHttpInvoker({ url: 'https://x.example', secrets: [SECRET], connections: 0 })).toThrow(
      /connections must be a positive integer/,
    );
    expect(() => createHttpInvoker({ url: 'https://x.example', secrets: [], connections: 1 })).toThrow(
      /at least one signing secret/,
    );
  });
});
