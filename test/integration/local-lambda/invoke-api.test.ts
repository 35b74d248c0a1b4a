/**
 * The Invoke API surface: invocation types, FunctionName forms, Qualifier, unknown functions, bad
 * payloads and the read-only calls, through the real @aws-sdk/client-lambda.
 */
import {
  GetFunctionConcurrencyCommand,
  GetFunctionConfigurationCommand,
  InvalidParameterValueException,
  InvalidRequestContentException,
  RequestTooLargeException,
  ResourceNotFoundException,
} from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { maxEventRequestBytes } from '#dev/local-lambda/invoke-api';
import { startLocalLambda } from '#dev/local-lambda/server';
import { waitFor } from '#dev/services/wait';
import { payloadJson, rejection, useLocalLambda } from './use-local-lambda.ts';

const { lambda, client, invoke } = await useLocalLambda({ only: ['echo', 'slow'] });

describe('invocation types', () => {
  it('DryRun replies 204 without running the function', async () => {
    const before = lambda.stats().echo?.invocations;
    const out = await invoke('echo', {}, { InvocationType: 'DryRun' });
    expect(out.StatusCode).toBe(204);
    expect(lambda.stats().echo?.invocations).toBe(before);
  });

  it('Event replies 202 at once and runs the function in the background', async () => {
    const before = lambda.stats().slow?.invocations ?? 0;
    const out = await invoke('slow', { ms: 500 }, { InvocationType: 'Event' });
    expect(out.StatusCode).toBe(202);
    expect(out.Payload?.length ?? 0).toBe(0);
    await waitFor(
      () => lambda.stats().slow?.invocations === before + 1 && lambda.stats().slow?.inFlight === 0,
      {
        what: 'the Event invocation to run',
      },
    );
    expect(lambda.stats().slow?.eventInvocations).toBe(1);
  });

  it('queues Event invocations beyond reserved concurrency instead of throttling them', async () => {
    const before = lambda.stats().slow?.invocations ?? 0;
    const outs = await Promise.all(
      [1, 2, 3].map(() => invoke('slow', { ms: 200 }, { InvocationType: 'Event' })),
    );
    expect(outs.map((o) => o.StatusCode)).toEqual([202, 202, 202]);
    await waitFor(() => lambda.stats().slow?.invocations === before + 3, {
      what: 'three queued Event invocations to run one after another',
      timeoutMs: 30_000,
    });
    expect(lambda.stats().slow?.throttles).toBe(0);
  });

  it('limits Event payloads to 1 MiB (413 RequestTooLargeException above)', async () => {
    const body = JSON.stringify({ ms: 1, pad: 'p'.repeat(maxEventRequestBytes) });
    const err = await rejection(invoke('slow', undefined, { InvocationType: 'Event', Payload: body }));
    expect(err).toBeInstanceOf(RequestTooLargeException);
    expect((err as Error).message).toContain(`${maxEventRequestBytes} bytes`);
  });

  it('RequestResponse replies 200 with the result and Lambda headers', async () => {
    const out = await invoke('echo', { hello: 'world' });
    expect(out.StatusCode).toBe(200);
    expect(out.ExecutedVersion).toBe('$LATEST');
    expect(out.FunctionError).toBeUndefined();
    expect(out.LogResult).toBeUndefined();
    expect(payloadJson(out)).toMatchObject({ event: { hello: 'world' } });
  });
});

describe('FunctionName and Qualifier', () => {
  it.each([
    'echo',
    'echo:$LATEST',
    'arn:aws:lambda:us-east-1:000000000000:function:echo',
    'arn:aws:lambda:us-east-1:000000000000:function:echo:$LATEST',
    '000000000000:function:echo',
  ])('accepts %s', async (name) => {
    const out = await invoke(name, { name });
    expect(out.FunctionError).toBeUndefined();
    expect(payloadJson(out)).toMatchObject({ event: { name } });
  });

  it('accepts Qualifier $LATEST', async () => {
    const out = await invoke('echo', {}, { Qualifier: '$LATEST' });
    expect(out.StatusCode).toBe(200);
  });

  it('replies ResourceNotFoundException for an unknown qualifier (only $LATEST exists locally)', async () => {
    const err = await rejection(invoke('echo', {}, { Qualifier: 'live' }));
    expect(err).toBeInstanceOf(ResourceNotFoundException);
    expect((err as Error).message).toBe(
      'Function not found: arn:aws:lambda:us-east-1:000000000000:function:echo:live',
    );
  });

  it('replies 404 ResourceNotFoundException for an unknown function', async () => {
    const err = await rejection(invoke('no-such-function', {}));
    expect(err).toBeInstanceOf(ResourceNotFoundException);
    expect((err as ResourceNotFoundException).$metadata.httpStatusCode).toBe(404);
    expect((err as Error).message).toBe(
      'Function not found: arn:aws:lambda:us-east-1:000000000000:function:no-such-function',
    );
  });

  it('replies ResourceNotFoundException for an ARN of another account', async () => {
    const err = await rejection(invoke('arn:aws:lambda:us-east-1:123456789012:function:echo', {}));
    expect(err).toBeInstanceOf(ResourceNotFoundException);
  });

  it('rejects a qualifier in the name that contradicts the Qualifier parameter', async () => {
    const err = await rejection(invoke('echo:$LATEST', {}, { Qualifier: 'live' }));
    expect(err).toBeInstanceOf(InvalidParameterValueException);
  });
});

describe('bad requests', () => {
  it('replies InvalidRequestContentException for a payload that is not JSON', async () => {
    const err = await rejection(invoke('echo', undefined, { Payload: '{not json' }));
    expect(err).toBeInstanceOf(InvalidRequestContentException);
    expect((err as InvalidRequestContentException).$metadata.httpStatusCode).toBe(400);
  });

  it('treats an empty payload as {}', async () => {
    const out = await invoke('echo', undefined, { Payload: undefined });
    expect(payloadJson(out)).toMatchObject({ event: {} });
  });

  it('answers unknown operations with UnknownOperationException', async () => {
    const res = await fetch(`${lambda.endpoint}/2015-03-31/layers`);
    expect(res.status).toBe(404);
    expect(res.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
  });
});

describe('read-only calls and the server', () => {
  it('serves GetFunctionConfiguration and GetFunctionConcurrency from the definition', async () => {
    const config = await client.send(new GetFunctionConfigurationCommand({ FunctionName: 'slow' }));
    expect(config).toMatchObject({
      FunctionName: 'slow',
      Timeout: 30,
      MemorySize: 256,
      Runtime: 'nodejs24.x',
      Handler: 'index.handler',
    });
    const concurrency = await client.send(new GetFunctionConcurrencyCommand({ FunctionName: 'slow' }));
    expect(concurrency.ReservedConcurrentExecutions).toBe(1);
  });

  it('listens on 127.0.0.1 only', () => {
    expect(new URL(lambda.endpoint).hostname).toBe('127.0.0.1');
  });

  it('fails with a clear message when the port is taken', async () => {
    await expect(startLocalLambda({ functions: [], port: lambda.port, log: () => {} })).rejects.toThrow(
      `local Lambda: port ${lambda.port} on 127.0.0.1 is already in use`,
    );
  });
});
