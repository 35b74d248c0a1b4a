/**
 * The chaos proxy (test/harness/chaos-proxy.ts) the fault suite relies on: it forwards byte-exact,
 * its 429 is what the real Lambda client reads as a throttle, its reset is a dropped connection, and
 * temporary rules stack.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createLambdaInvoker } from '#bridge/lambda/lambda-invoker';
import { lambdaThrottle, resetConnection, startChaosProxy } from '#test/harness/chaos-proxy';
import { startInvokeResponder } from '#test/harness/invoke-responder';
import { waitFor } from '#test/harness/services';

const closers: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function setUp() {
  const responder = await startInvokeResponder((call) => ({ body: call.payload }));
  closers.push(() => responder.close());
  const proxy = await startChaosProxy({ target: responder.endpoint });
  closers.push(() => proxy.close());
  const invoker = createLambdaInvoker({
    region: 'us-east-1',
    endpoint: proxy.url,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxSockets: 4,
    connectionTimeoutMs: 2_000,
  });
  closers.push(() => invoker.close());
  const invoke = (payload: Uint8Array) => invoker.invoke({ functionName: 'fn', payload, timeoutMs: 5_000 });
  return { responder, proxy, invoke };
}

describe('chaos proxy', () => {
  it('forwards an Invoke byte-exact both ways', async () => {
    const { invoke, proxy, responder } = await setUp();
    const payload = randomBytes(256 * 1024);
    const result = await invoke(payload);
    expect(result.kind).toBe('ok');
    expect(result.kind === 'ok' && Buffer.from(result.payload).equals(payload)).toBe(true);
    expect(responder.calls[0]?.payload.equals(payload)).toBe(true);
    expect(proxy.counts.forwarded).toBe(1);
  });

  it('throttles as Lambda does (the real client sees a 429 with its Reason) and never reaches the target', async () => {
    const { invoke, proxy, responder } = await setUp();
    proxy.fault = lambdaThrottle('ConcurrentInvocationLimitExceeded');
    const result = await invoke(Buffer.from('{}'));
    expect(result).toMatchObject({ kind: 'throttled', reason: 'ConcurrentInvocationLimitExceeded' });
    expect(responder.calls).toHaveLength(0);
    proxy.fault = undefined;
    expect((await invoke(Buffer.from('{}'))).kind).toBe('ok');
  });

  it('drops connections while a reset rule is active, and stacked rules apply newest first', async () => {
    const { invoke, proxy, responder } = await setUp();
    const outage = proxy.during(1_000, resetConnection);
    void proxy.during(300, lambdaThrottle());
    expect((await invoke(Buffer.from('{}'))).kind).toBe('throttled');
    // Once the burst ends, the older reset rule shows through.
    const dropped = await waitFor(
      async () => {
        const r = await invoke(Buffer.from('{}'));
        return r.kind === 'throttled' ? undefined : r;
      },
      { what: 'the throttle burst to end' },
    );
    expect(['ambiguous', 'notExecuted']).toContain(dropped.kind);
    expect(proxy.counts.reset).toBeGreaterThanOrEqual(1);
    await outage;
    expect((await invoke(Buffer.from('{}'))).kind).toBe('ok');
    expect(responder.calls).toHaveLength(1);
  });
});
