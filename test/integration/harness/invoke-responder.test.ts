import {
  InvokeCommand,
  LambdaClient,
  LambdaServiceException,
  RequestTooLargeException,
  ResourceNotFoundException,
  TooManyRequestsException,
} from '@aws-sdk/client-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '#dev/services/wait';
import { type InvokeResponder, startInvokeResponder, succeedAll } from '#test/harness/invoke-responder';

let responder: InvokeResponder;
let client: LambdaClient;

beforeAll(async () => {
  responder = await startInvokeResponder();
  client = new LambdaClient({
    endpoint: responder.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client.destroy();
  await responder.close();
});

afterEach(() => {
  responder.setHandler(succeedAll);
  responder.calls.length = 0;
});

const invoke = (payload: unknown, extra: { Qualifier?: string; InvocationType?: 'Event' | 'DryRun' } = {}) =>
  client.send(
    new InvokeCommand({ FunctionName: 'my-fn', Payload: Buffer.from(JSON.stringify(payload)), ...extra }),
  );

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('startInvokeResponder', () => {
  it('answers 200 with the default success body and records the call', async () => {
    // Act
    const out = await invoke({ hello: 'world' }, { Qualifier: 'live' });
    // Assess
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBeUndefined();
    expect(out.ExecutedVersion).toBe('live');
    expect(JSON.parse(Buffer.from(out.Payload ?? []).toString())).toEqual({ batchItemFailures: [] });
    expect(responder.calls).toHaveLength(1);
    const call = responder.calls[0];
    expect(call?.functionName).toBe('my-fn');
    expect(call?.qualifier).toBe('live');
    expect(call?.invocationType).toBe('RequestResponse');
    expect(JSON.parse(call?.payload.toString() ?? '')).toEqual({ hello: 'world' });
    expect(out.$metadata.requestId).toBe(call?.requestId);
  });

  it('decodes a full ARN function name', async () => {
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function:my-fn';
    await client.send(new InvokeCommand({ FunctionName: arn, Payload: Buffer.from('{}') }));
    expect(responder.calls[0]?.functionName).toBe(arn);
  });

  it('sends raw bodies byte for byte', async () => {
    const raw = Buffer.from([0, 1, 2, 255, 254]);
    responder.setHandler(() => ({ body: raw }));
    const out = await invoke({});
    expect(Buffer.from(out.Payload ?? [])).toEqual(raw);
  });

  it('answers a function error with X-Amz-Function-Error', async () => {
    responder.setHandler(() => ({
      functionError: 'Unhandled',
      body: { errorType: 'Error', errorMessage: 'boom', stackTrace: [] },
    }));
    const out = await invoke({});
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe('Unhandled');
    expect(JSON.parse(Buffer.from(out.Payload ?? []).toString())).toMatchObject({ errorMessage: 'boom' });
  });

  it('throttles with TooManyRequestsException, Reason and retryAfterSeconds', async () => {
    responder.setHandler(() => ({
      throttle: { reason: 'ReservedFunctionConcurrentInvocationLimitExceeded', retryAfterSeconds: 2 },
    }));
    const err = await rejection(invoke({}));
    expect(err).toBeInstanceOf(TooManyRequestsException);
    const t = err as TooManyRequestsException;
    expect(t.Reason).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
    expect(t.retryAfterSeconds).toBe('2');
    expect(t.$metadata.httpStatusCode).toBe(429);
    expect(responder.calls).toHaveLength(1);
  });

  it('rejects a too large request with 413 RequestTooLargeException', async () => {
    responder.setHandler(() => ({ tooLarge: true }));
    const err = await rejection(invoke({}));
    expect(err).toBeInstanceOf(RequestTooLargeException);
    expect((err as RequestTooLargeException).$metadata.httpStatusCode).toBe(413);
  });

  it('answers any service error', async () => {
    responder.setHandler(() => ({
      status: 404,
      errorType: 'ResourceNotFoundException',
      message: 'no such fn',
    }));
    const notFound = await rejection(invoke({}));
    expect(notFound).toBeInstanceOf(ResourceNotFoundException);
    responder.setHandler(() => ({ status: 500, errorType: 'ServiceException', message: 'oops' }));
    const server = await rejection(invoke({}));
    expect(server).toBeInstanceOf(LambdaServiceException);
    expect((server as LambdaServiceException).name).toBe('ServiceException');
    expect((server as LambdaServiceException).$fault).toBe('server');
  });

  it('supports async handlers (a delayed answer)', async () => {
    responder.setHandler(async () => {
      await new Promise((r) => setTimeout(r, 50));
      return { body: 'late' };
    });
    const out = await invoke({});
    expect(Buffer.from(out.Payload ?? []).toString()).toBe('late');
  });

  it('answers 202 to Event and 204 to DryRun invocations', async () => {
    const ev = await invoke({}, { InvocationType: 'Event' });
    expect(ev.StatusCode).toBe(202);
    const dry = await invoke({}, { InvocationType: 'DryRun' });
    expect(dry.StatusCode).toBe(204);
    // A DryRun runs no function: it is kept apart from the calls and never reaches the handler.
    expect(responder.calls.map((c) => c.invocationType)).toEqual(['Event']);
    expect(responder.dryRuns.map((c) => c.invocationType)).toEqual(['DryRun']);
  });

  it('destroys the socket mid-request', async () => {
    responder.setHandler(() => ({ destroySocket: true }));
    const err = await rejection(invoke({}));
    expect(err).toBeInstanceOf(Error);
    expect((err as NodeJS.ErrnoException).code ?? (err as Error).name).toMatch(
      /ECONNRESET|EPIPE|socket hang up/i,
    );
  });

  it('hangs until the client aborts', async () => {
    responder.setHandler(() => ({ hang: true }));
    const controller = new AbortController();
    const pending = rejection(
      client.send(new InvokeCommand({ FunctionName: 'my-fn', Payload: Buffer.from('{}') }), {
        abortSignal: controller.signal,
      }),
    );
    // The call is recorded while it hangs.
    await waitFor(() => responder.calls.length === 1, { what: 'the hanging call to arrive' });
    controller.abort();
    const err = await pending;
    expect((err as Error).name).toBe('AbortError');
  });

  it('ends hanging calls when it closes', async () => {
    const own = await startInvokeResponder(() => ({ hang: true }));
    const c = new LambdaClient({
      endpoint: own.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    const pending = rejection(c.send(new InvokeCommand({ FunctionName: 'f', Payload: Buffer.from('{}') })));
    await waitFor(() => own.calls.length === 1, { what: 'the hanging call to arrive' });
    await own.close();
    expect(await pending).toBeInstanceOf(Error);
    c.destroy();
  });
});
