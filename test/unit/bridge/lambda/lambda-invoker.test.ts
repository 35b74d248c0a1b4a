import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLambdaInvoker, type LambdaInvoker } from '#bridge/lambda/lambda-invoker';
import { freePort } from '#dev/services/ports';
import { waitFor } from '#dev/services/wait';
import { type InvokeResponder, startInvokeResponder, succeedAll } from '#test/harness/invoke-responder';

let responder: InvokeResponder;
let invoker: LambdaInvoker;

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

beforeAll(async () => {
  responder = await startInvokeResponder();
  invoker = createLambdaInvoker({
    region: 'us-east-1',
    endpoint: responder.endpoint,
    credentials,
    maxSockets: 8,
    connectionTimeoutMs: 2_000,
  });
});

afterAll(async () => {
  await invoker.close();
  await responder.close();
});

afterEach(() => {
  responder.setHandler(succeedAll);
  responder.calls.length = 0;
  responder.dryRuns.length = 0;
});

/** An invoker of its own (one socket) for `endpoint`. */
const invokerAt = (endpoint: string) =>
  createLambdaInvoker({
    region: 'us-east-1',
    endpoint,
    credentials,
    maxSockets: 1,
    connectionTimeoutMs: 2_000,
  });

const payload = Buffer.from(JSON.stringify({ messages: [] }));
const invoke = (timeoutMs = 30_000, signal?: AbortSignal) =>
  invoker.invoke({ functionName: 'fn', payload, timeoutMs, ...(signal ? { signal } : {}) });

describe('createLambdaInvoker', () => {
  it('returns ok with the payload and request id on 200', async () => {
    // Prepare
    responder.setHandler(() => ({ body: { batchItemFailures: [{ itemIdentifier: 'a' }] } }));
    // Act
    const result = await invoke();
    // Assess
    expect(result.kind).toBe('ok');
    if (result.kind !== 'ok') return;
    expect(JSON.parse(Buffer.from(result.payload).toString())).toEqual({
      batchItemFailures: [{ itemIdentifier: 'a' }],
    });
    expect(result.requestId).toBe(responder.calls[0]?.requestId);
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(responder.calls[0]?.payload).toEqual(payload);
    expect(responder.calls[0]?.invocationType).toBe('RequestResponse');
  });

  it.each([
    [{ errorType: 'Error', errorMessage: 'boom', stackTrace: ['at x'] }, 'Error', 'boom'],
    [
      {
        errorType: 'Sandbox.Timedout',
        errorMessage: 'RequestId: r Error: Task timed out after 3.00 seconds',
      },
      'Sandbox.Timedout',
      'RequestId: r Error: Task timed out after 3.00 seconds',
    ],
    [
      { errorMessage: '2026-11-27T00:00:00.000Z r Task timed out after 3.00 seconds' },
      'Sandbox.Timedout',
      '2026-11-27T00:00:00.000Z r Task timed out after 3.00 seconds',
    ],
    [
      { errorType: 'Runtime.ExitError', errorMessage: 'Runtime exited with error: signal: killed' },
      'Runtime.ExitError',
      'Runtime exited with error: signal: killed',
    ],
    [
      {
        errorType: 'Function.ResponseSizeTooLarge',
        errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
      },
      'Function.ResponseSizeTooLarge',
      'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
    ],
    ['not json at all', 'Unhandled', 'not json at all'],
  ])('classifies a function error payload %j', async (body, errorType, errorMessage) => {
    responder.setHandler(() => ({ functionError: 'Unhandled', body }));
    const result = await invoke();
    expect(result).toMatchObject({ kind: 'functionError', errorType, errorMessage });
    if (result.kind === 'functionError') expect(result.requestId).toBe(responder.calls[0]?.requestId);
  });

  it('truncates a huge error message', async () => {
    responder.setHandler(() => ({
      functionError: 'Unhandled',
      body: { errorType: 'Error', errorMessage: 'x'.repeat(100_000) },
    }));
    const result = await invoke();
    expect(result.kind).toBe('functionError');
    if (result.kind === 'functionError') expect(result.errorMessage.length).toBeLessThan(5_000);
  });

  it('classifies a 429 as throttled with reason and retry-after, and does not retry it', async () => {
    responder.setHandler(() => ({
      throttle: { reason: 'ReservedFunctionConcurrentInvocationLimitExceeded', retryAfterSeconds: 2 },
    }));
    const result = await invoke();
    expect(result).toMatchObject({
      kind: 'throttled',
      reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
      retryAfterMs: 2_000,
    });
    expect(responder.calls).toHaveLength(1);
  });

  it('classifies a 429 without retry-after', async () => {
    responder.setHandler(() => ({ throttle: { reason: 'ConcurrentInvocationLimitExceeded' } }));
    const result = await invoke();
    expect(result).toMatchObject({ kind: 'throttled', reason: 'ConcurrentInvocationLimitExceeded' });
    expect(result.kind === 'throttled' && result.retryAfterMs).toBe(undefined);
  });

  it('classifies 413 as tooLarge', async () => {
    responder.setHandler(() => ({ tooLarge: true }));
    const result = await invoke();
    expect(result.kind).toBe('tooLarge');
    if (result.kind === 'tooLarge') expect(result.message).toMatch(/too large/);
  });

  it('classifies the API Gateway style 413 RequestEntityTooLargeException as tooLarge', async () => {
    responder.setHandler(() => ({
      status: 413,
      errorType: 'RequestEntityTooLargeException',
      message: 'Request must be smaller than 6291456 bytes for the InvokeFunction operation',
    }));
    const result = await invoke();
    expect(result).toMatchObject({ kind: 'tooLarge', message: expect.stringMatching(/6291456/) });
  });

  it('classifies a 500 as ambiguous and does not retry it', async () => {
    responder.setHandler(() => ({ status: 500, errorType: 'ServiceException', message: 'internal' }));
    const result = await invoke();
    expect(result).toMatchObject({ kind: 'ambiguous', errorType: 'ServiceException', message: 'internal' });
    expect(responder.calls).toHaveLength(1);
  });

  it.each([
    [404, 'ResourceNotFoundException'],
    [403, 'AccessDeniedException'],
    [400, 'InvalidRequestContentException'],
    [502, 'ResourceNotReadyException'],
    [502, 'EC2ThrottledException'],
    [502, 'ENILimitReachedException'],
  ])('classifies %d %s as notExecuted', async (status, errorType) => {
    responder.setHandler(() => ({ status, errorType, message: 'nope' }));
    const result = await invoke();
    expect(result).toMatchObject({ kind: 'notExecuted', errorType });
    expect(responder.calls).toHaveLength(1);
  });

  it('classifies a connection refused as notExecuted', async () => {
    // Prepare: a port that was just free
    const refused = invokerAt(`http://127.0.0.1:${await freePort()}`);
    // Act
    const result = await refused.invoke({ functionName: 'fn', payload, timeoutMs: 10_000 });
    await refused.close();
    // Assess
    expect(result).toMatchObject({ kind: 'notExecuted', errorType: 'ECONNREFUSED' });
  });

  it('classifies a socket destroyed mid-request as ambiguous', async () => {
    responder.setHandler(() => ({ destroySocket: true }));
    const result = await invoke();
    expect(result.kind).toBe('ambiguous');
    expect(responder.calls).toHaveLength(1);
  });

  it('classifies an Invoke past timeoutMs as ambiguous and sends it once', async () => {
    responder.setHandler(() => ({ hang: true }));
    const result = await invoke(300);
    expect(result).toMatchObject({ kind: 'ambiguous', errorType: 'Timeout' });
    expect(result.durationMs).toBeGreaterThanOrEqual(250);
    expect(responder.calls).toHaveLength(1);
  });

  it('classifies an aborted Invoke (drain deadline) as ambiguous', async () => {
    responder.setHandler(() => ({ hang: true }));
    const controller = new AbortController();
    const pending = invoke(60_000, controller.signal);
    await waitFor(() => responder.calls.length === 1, { what: 'the invoke to arrive' });
    controller.abort(new Error('drain deadline'));
    const result = await pending;
    expect(result).toMatchObject({ kind: 'ambiguous', errorType: 'Aborted' });
  });

  it('keeps waiting for a slow function beyond the SDK timer thresholds (one call, not aborted)', async () => {
    // smithy defers its socket/keep-alive timers by 3 s and uses 6 s thresholds; the AWS CLI would
    // abort at 60 s. A 7 s function, with a 60 s deadline, must come back ok from a single call.
    responder.setHandler(async () => {
      await new Promise((r) => setTimeout(r, 7_000));
      return { body: { batchItemFailures: [] } };
    });
    const result = await invoke(60_000);
    expect(result.kind).toBe('ok');
    expect(result.durationMs).toBeGreaterThanOrEqual(6_900);
    expect(responder.calls).toHaveLength(1);
  }, 30_000);

  it('runs concurrent invokes on separate keep-alive sockets up to maxSockets', async () => {
    const releases: Array<() => void> = [];
    responder.setHandler(
      () =>
        new Promise((resolve) => {
          releases.push(() => resolve({ body: '{}' }));
        }),
    );
    const pending = Array.from({ length: 4 }, () => invoke());
    await waitFor(() => responder.calls.length === 4, { what: '4 concurrent invokes to arrive' });
    for (const release of releases) release();
    const results = await Promise.all(pending);
    expect(results.map((r) => r.kind)).toEqual(['ok', 'ok', 'ok', 'ok']);
  });

  it('sends a payload near the 6 MB limit byte for byte', async () => {
    const big = Buffer.from(JSON.stringify({ body: Buffer.alloc(4_500_000, 7).toString('base64') }));
    const result = await invoker.invoke({ functionName: 'fn', payload: big, timeoutMs: 60_000 });
    expect(result.kind).toBe('ok');
    expect(responder.calls[0]?.payload.equals(big)).toBe(true);
  });

  it('rejects a non-positive maxSockets at construction', () => {
    expect(() =>
      createLambdaInvoker({ region: 'us-east-1', credentials, maxSockets: 0, connectionTimeoutMs: 1_000 }),
    ).toThrow(/maxSockets/);
  });
});

describe('createLambdaInvoker preflight', () => {
  it('sends one DryRun, runs no function and reports ok', async () => {
    const result = await invoker.preflight('orders-fn', 5_000);
    expect(result).toMatchObject({ ok: true });
    expect(responder.dryRuns.map((c) => [c.functionName, c.payload.byteLength])).toEqual([['orders-fn', 0]]);
    expect(responder.calls).toHaveLength(0);
  });

  it('reports a missing function with the service error', async () => {
    const missing = await startInvokeResponder(succeedAll, {
      dryRun: (call) => ({
        status: 404,
        errorType: 'ResourceNotFoundException',
        message: `Function not found: arn:aws:lambda:us-east-1:000000000000:function:${call.functionName}`,
      }),
    });
    const client = invokerAt(missing.endpoint);
    try {
      const result = await client.preflight('gone-fn', 5_000);
      expect(result).toMatchObject({ ok: false, errorType: 'ResourceNotFoundException' });
      expect(result.ok === false && result.message).toContain('function:gone-fn');
      expect(missing.dryRuns).toHaveLength(1);
    } finally {
      await client.close();
      await missing.close();
    }
  });

  it('reports an unreachable endpoint by its socket error', async () => {
    const refused = invokerAt(`http://127.0.0.1:${await freePort()}`);
    try {
      expect(await refused.preflight('fn', 5_000)).toMatchObject({ ok: false, errorType: 'ECONNREFUSED' });
    } finally {
      await refused.close();
    }
  });
});
