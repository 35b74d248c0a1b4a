/**
 * The lean Lambda invoker (bridge/src/lambda/lambda-invoker.ts) against the SDK invoker it replaced
 * (bench/sdk-lambda-invoker.ts: @aws-sdk/client-lambda's InvokeCommand, unmocked): both call the same
 * real servers (the Invoke responder scripted to each reply class, raw HTTP and TCP servers for what a
 * proxy or a broken network sends, and the local Lambda running the fixture functions) and must return
 * the same InvokeResult, field for field. Only the duration and the request id (one per call) differ, and messages the SDK's transport
 * wrote itself: it prefixed them with "@smithy/node-http-handler - [ERROR] " and appended a hint about a
 * hidden `$response` field to errors it met while reading a reply.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InvokeResult } from '#bridge/ports';
import { waitFor } from '#dev/services/wait';
import { type InvokeReply, type InvokeResponder, startInvokeResponder } from '#test/harness/invoke-responder';
import { both, comparable, invokersAt } from './differential-pair.ts';

describe('the Invoke responder, every reply class', () => {
  let responder: InvokeResponder;
  let pair: ReturnType<typeof invokersAt>;
  beforeAll(async () => {
    responder = await startInvokeResponder();
    pair = invokersAt(responder.endpoint);
  });
  afterAll(async () => {
    await pair.sdk.close();
    await pair.lean.close();
    await responder.close();
  });

  const timeoutText = 'RequestId: r Error: Task timed out after 3.00 seconds';
  const cases: Array<[string, InvokeReply, InvokeResult['kind']]> = [
    ['200 with a payload', { body: { batchItemFailures: [{ itemIdentifier: 'a' }] } }, 'ok'],
    ['200 with an empty payload', { body: '' }, 'ok'],
    ['200 with binary bytes', { body: Buffer.from([0, 255, 1, 254]) }, 'ok'],
    [
      'Unhandled',
      { functionError: 'Unhandled', body: { errorType: 'Error', errorMessage: 'boom' } },
      'functionError',
    ],
    [
      'Handled',
      { functionError: 'Handled', body: { errorType: 'Custom', errorMessage: 'x' } },
      'functionError',
    ],
    ['a timeout', { functionError: 'Unhandled', body: { errorMessage: timeoutText } }, 'functionError'],
    ['plain text', { functionError: 'Unhandled', body: 'not json' }, 'functionError'],
    ['an empty error', { functionError: 'Unhandled', body: '' }, 'functionError'],
    [
      '429 with retry-after',
      { throttle: { reason: 'ConcurrentInvocationLimitExceeded', retryAfterSeconds: 3 } },
      'throttled',
    ],
    ['429 without', { throttle: { reason: 'CallerRateLimitExceeded' } }, 'throttled'],
    ['413', { tooLarge: true }, 'tooLarge'],
    [
      '404',
      { status: 404, errorType: 'ResourceNotFoundException', message: 'Function not found: fn' },
      'notExecuted',
    ],
    ['400', { status: 400, errorType: 'InvalidRequestContentException', message: 'bad json' }, 'notExecuted'],
    [
      '403 denied',
      { status: 403, errorType: 'AccessDeniedException', message: 'not authorized' },
      'notExecuted',
    ],
    [
      '403 expired',
      { status: 403, errorType: 'ExpiredTokenException', message: 'token expired' },
      'notExecuted',
    ],
    ['500', { status: 500, errorType: 'ServiceException', message: 'internal' }, 'ambiguous'],
    ['502 EC2', { status: 502, errorType: 'EC2ThrottledException', message: 'ec2' }, 'notExecuted'],
    ['502 ENI', { status: 502, errorType: 'ENILimitReachedException', message: 'eni' }, 'notExecuted'],
    [
      '502 not ready',
      { status: 502, errorType: 'ResourceNotReadyException', message: 'wait' },
      'notExecuted',
    ],
    ['503 unknown', { status: 503, errorType: 'SomethingNew', message: 'new' }, 'ambiguous'],
    ['408', { status: 408, errorType: 'RequestTimeout', message: 'slow' }, 'ambiguous'],
    ['a reset mid-request', { destroySocket: true }, 'ambiguous'],
  ];
  it.each(cases)('%s', async (_, reply, kind) => {
    responder.setHandler(() => reply);
    const [sdk, lean] = await both(pair);
    expect(sdk.kind).toBe(kind);
    expect(lean).toEqual(sdk);
  });

  it('reports each call’s own request id', async () => {
    responder.calls.length = 0;
    responder.setHandler(() => ({ body: '{}' }));
    const sdk = await pair.sdk.invoke({ functionName: 'fn', payload: Buffer.from('{}'), timeoutMs: 5_000 });
    const lean = await pair.lean.invoke({ functionName: 'fn', payload: Buffer.from('{}'), timeoutMs: 5_000 });
    expect([sdk.kind === 'ok' && sdk.requestId, lean.kind === 'ok' && lean.requestId]).toEqual(
      responder.calls.map((c) => c.requestId),
    );
    expect(responder.calls.map((c) => [c.functionName, c.invocationType, c.payload.toString()])).toEqual([
      ['fn', 'RequestResponse', '{}'],
      ['fn', 'RequestResponse', '{}'],
    ]);
  });

  it('sends names and ARNs to the same path', async () => {
    responder.calls.length = 0;
    responder.setHandler(() => ({ body: '{}' }));
    for (const name of ['arn:aws:lambda:us-east-1:123456789012:function:my-fn:live', "fn name/é!'()*"]) {
      const [sdk, lean] = await both(pair, name);
      expect(lean.kind).toBe(sdk.kind);
    }
    expect(responder.calls.map((c) => c.functionName)).toEqual([
      'arn:aws:lambda:us-east-1:123456789012:function:my-fn:live',
      'arn:aws:lambda:us-east-1:123456789012:function:my-fn:live',
      "fn name/é!'()*",
      "fn name/é!'()*",
    ]);
  });

  it('a deadline past timeoutMs', async () => {
    responder.setHandler(() => ({ hang: true }));
    const [sdk, lean] = await both(pair, 'fn', Buffer.from('{}'), 300);
    expect(sdk).toMatchObject({ kind: 'ambiguous', errorType: 'Timeout' });
    expect(lean).toEqual(sdk);
  });

  it.each([
    ['an Error reason', () => new Error('drain deadline')],
    ['a string reason', () => 'drain deadline'],
  ])('an abort with %s', async (_, reason) => {
    responder.setHandler(() => ({ hang: true }));
    const results: Record<string, unknown>[] = [];
    for (const invoker of [pair.sdk, pair.lean]) {
      const controller = new AbortController();
      const before = responder.calls.length;
      const pending = invoker.invoke({
        functionName: 'fn',
        payload: Buffer.from('{}'),
        timeoutMs: 60_000,
        signal: controller.signal,
      });
      await waitFor(() => responder.calls.length === before + 1, { what: 'the invoke to arrive' });
      controller.abort(reason());
      results.push(comparable(await pending));
    }
    expect(results[0]).toMatchObject({ kind: 'ambiguous', errorType: 'Aborted' });
    expect(results[1]).toEqual(results[0]);
  });

  it('preflight: a DryRun, ok and not found', async () => {
    for (const dryRun of [
      undefined,
      { status: 404, errorType: 'ResourceNotFoundException', message: 'gone' },
    ]) {
      const server = await startInvokeResponder(undefined, dryRun ? { dryRun: () => dryRun } : {});
      const p = invokersAt(server.endpoint);
      const strip = ({ durationMs: _, ...rest }: { durationMs: number }) => rest;
      const sdk = strip(await p.sdk.preflight('fn', 5_000));
      const lean = strip(await p.lean.preflight('fn', 5_000));
      expect(lean).toEqual(sdk);
      expect(server.dryRuns.map((c) => c.payload.byteLength)).toEqual([0, 0]);
      await p.sdk.close();
      await p.lean.close();
      await server.close();
    }
  });
});
