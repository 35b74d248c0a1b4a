/**
 * The table of Lambda semantics, each row through the real @aws-sdk/client-lambda (maxAttempts 1)
 * against the local Lambda running the misbehaving fixture functions.
 */
import {
  type LambdaServiceException,
  RequestTooLargeException,
  TooManyRequestsException,
} from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { maxRequestBytes, maxResponseBytes } from '#dev/local-lambda/invoke-api';
import { waitFor } from '#dev/services/wait';
import { payloadJson, rejection, useLocalLambda } from './use-local-lambda.ts';

const { lambda, invoke, lines } = await useLocalLambda({
  only: ['slow', 'timeout', 'throw', 'reject', 'crash', 'oom', 'buffer-hog', 'huge-response', 'echo'],
});

interface ErrorPayload {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

describe('reserved concurrency exhausted', () => {
  it('replies 429 TooManyRequestsException with Reason and x-amzn-errortype while the only slot is busy', async () => {
    const first = invoke('slow', { ms: 4_000 });
    await waitFor(() => lambda.stats().slow?.inFlight === 1, { what: 'the first slow invocation to run' });

    const err = await rejection(invoke('slow', { ms: 1 }));
    expect(err).toBeInstanceOf(TooManyRequestsException);
    const throttled = err as TooManyRequestsException;
    expect(throttled.Reason).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
    expect(throttled.Type).toBe('User');
    expect(throttled.$metadata.httpStatusCode).toBe(429);
    expect(throttled.$metadata.attempts).toBe(1);

    // The raw reply carries the error type in the header, as Lambda does.
    const raw = await fetch(`${lambda.endpoint}/2015-03-31/functions/slow/invocations`, {
      method: 'POST',
      body: '{"ms":1}',
    });
    expect(raw.status).toBe(429);
    expect(raw.headers.get('x-amzn-errortype')).toBe('TooManyRequestsException');
    expect(await raw.json()).toEqual({
      Type: 'User',
      message: 'Rate Exceeded.',
      Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
    });

    const done = await first;
    expect(done.StatusCode).toBe(200);
    expect(done.FunctionError).toBeUndefined();
    expect(lambda.stats().slow?.throttles).toBe(2);
    // The slot is free again.
    expect((await invoke('slow', { ms: 1 })).FunctionError).toBeUndefined();
  });
});

describe('function timeout', () => {
  it('kills and replaces the worker, replying 200 + Unhandled + Sandbox.Timedout', async () => {
    const out = await invoke('timeout', {});
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe('Unhandled');
    const error = payloadJson<ErrorPayload>(out);
    expect(error.errorType).toBe('Sandbox.Timedout');
    expect(error.errorMessage).toMatch(/Task timed out after 1\.00 seconds$/);

    const stats = lambda.stats().timeout;
    expect(stats?.timeouts).toBe(1);
    await waitFor(() => lambda.stats().timeout?.workers.length === 0, {
      what: 'the timed-out worker to be gone',
    });

    const next = await invoke('timeout', { hang: false });
    expect(next.FunctionError).toBeUndefined();
    expect(lambda.stats().timeout?.coldStarts).toBe(2);
  });
});

describe('thrown error and rejected promise', () => {
  it('replies 200 + Unhandled with errorType, errorMessage and the stack for a throw', async () => {
    const out = await invoke('throw', { message: 'bad input 42' });
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe('Unhandled');
    const error = payloadJson<ErrorPayload>(out);
    expect(error.errorType).toBe('TypeError');
    expect(error.errorMessage).toBe('bad input 42');
    expect(error.trace?.[0]).toBe('TypeError: bad input 42');
    // Source maps: the stack points at the TypeScript source of the handler.
    expect(error.trace?.join('\n')).toMatch(/throw\/handler\.ts:\d+/);
    // The runtime sends exactly these fields (no `stackTrace`): test/parity holds it to aws-lambda-ric.
    expect(Object.keys(error)).toEqual(['errorType', 'errorMessage', 'trace']);
  });

  it('replies the same way for a promise that rejects later, and the worker stays warm', async () => {
    const out = await invoke('reject', {});
    expect(out.FunctionError).toBe('Unhandled');
    const error = payloadJson<ErrorPayload>(out);
    expect(error.errorType).toBe('QueueFullError');
    expect(error.errorMessage).toBe('rejected by the reject fixture');
    expect(Array.isArray(error.trace)).toBe(true);

    await invoke('reject', {});
    const stats = lambda.stats().reject;
    expect(stats?.coldStarts).toBe(1);
    expect(stats?.functionErrors).toBe(2);
  });
});

describe('process crash and out of memory', () => {
  it('replies Runtime.ExitError when the process exits mid-invocation, and the pool recovers', async () => {
    const out = await invoke('crash', {});
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe('Unhandled');
    const error = payloadJson<ErrorPayload>(out);
    expect(error.errorType).toBe('Runtime.ExitError');
    expect(error.errorMessage).toMatch(/Runtime exited with error: exit status 3/);

    const next = await invoke('crash', { crash: false });
    expect(next.FunctionError).toBeUndefined();
    expect(lambda.stats().crash).toMatchObject({ crashes: 1, coldStarts: 2 });
  });

  it('fails the invocation on an uncaught exception outside the handler and replaces the worker', async () => {
    const before = lambda.stats().crash?.coldStarts ?? 0;
    const out = await invoke('crash', { throwOutside: true });
    expect(out.FunctionError).toBe('Unhandled');
    // nodejs24.x's client installs no handler for it: Node reports the error and the process exits with 1.
    expect(payloadJson<ErrorPayload>(out)).toMatchObject({
      errorType: 'Runtime.ExitError',
      errorMessage: expect.stringMatching(/Runtime exited with error: exit status 1$/),
    });
    await waitFor(
      () => lines.some((l) => l.includes('RangeError: thrown from a timer, outside the handler')),
      {
        what: "Node's report of the uncaught exception in the worker's output",
      },
    );
    expect((await invoke('crash', { crash: false })).FunctionError).toBeUndefined();
    expect(lambda.stats().crash?.coldStarts).toBe(before + 1);
  });

  it('fails the next invocation routed to a worker that exited while idle with Runtime.ExitError, then starts a new one', async () => {
    const first = payloadJson<{ pid: number }>(await invoke('crash', { exitAfterMs: 50 }));
    await waitFor(() => !lambda.stats().crash?.workers.some((w) => w.pid === first.pid), {
      what: 'the idle worker to exit',
    });
    // As Lambda (and RIE, test/parity) reports it: the environment is found dead at the next invocation.
    const failed = await invoke('crash', { crash: false });
    expect(failed.FunctionError).toBe('Unhandled');
    expect(payloadJson<ErrorPayload>(failed)).toMatchObject({
      errorType: 'Runtime.ExitError',
      errorMessage: expect.stringMatching(/Runtime exited with error: exit status 4$/),
    });
    const next = await invoke('crash', { crash: false });
    expect(next.FunctionError).toBeUndefined();
    expect(payloadJson<{ pid: number }>(next).pid).not.toBe(first.pid);
  });

  it('replies Runtime.ExitError when the function exceeds its memory, and the pool recovers', async () => {
    const out = await invoke('oom', {});
    expect(out.FunctionError).toBe('Unhandled');
    const error = payloadJson<ErrorPayload>(out);
    expect(error.errorType).toBe('Runtime.ExitError');
    expect(error.errorMessage).toMatch(/out of memory/);

    const next = await invoke('oom', { allocate: false });
    expect(next.FunctionError).toBeUndefined();
    expect(lambda.stats().oom?.crashes).toBe(1);
  });
});

describe('memory cap on the whole process', () => {
  it('kills a worker whose RSS (Buffers outside the heap) exceeds memoryMb while it runs', async () => {
    const out = await invoke('buffer-hog', { mb: 300, holdMs: 5_000 });
    expect(out.FunctionError).toBe('Unhandled');
    const error = payloadJson<ErrorPayload>(out);
    expect(error.errorType).toBe('Runtime.ExitError');
    expect(error.errorMessage).toMatch(
      /signal: killed \(out of memory: RSS \d+ MB exceeded MemorySize 128 MB\)$/,
    );
  });

  it('fails an invocation that returns above memoryMb (caught by the poll or on its result), and recovers', async () => {
    const out = await invoke('buffer-hog', { mb: 300 });
    expect(out.FunctionError).toBe('Unhandled');
    expect(payloadJson<ErrorPayload>(out).errorMessage).toMatch(/exceeded MemorySize 128 MB/);
    const small = await invoke('buffer-hog', { mb: 8 });
    expect(small.FunctionError).toBeUndefined();
    expect(payloadJson<{ heldMb: number }>(small).heldMb).toBe(8);
    expect(lambda.stats()['buffer-hog']?.crashes).toBe(2);
  });
});

describe('payload limits', () => {
  const padded = (totalBytes: number) => {
    const base = JSON.stringify({ bytes: 2, pad: '' });
    return JSON.stringify({ bytes: 2, pad: 'p'.repeat(totalBytes - base.length) });
  };

  it('accepts a request of exactly 6,291,456 bytes', async () => {
    const body = padded(maxRequestBytes);
    expect(Buffer.byteLength(body)).toBe(maxRequestBytes);
    const out = await invoke('huge-response', undefined, { Payload: body });
    expect(out.FunctionError).toBeUndefined();
    expect(payloadJson<string>(out)).toBe('xx');
  });

  it('replies 413 RequestTooLargeException one byte above, without running the function', async () => {
    const before = lambda.stats()['huge-response']?.invocations;
    const err = await rejection(invoke('huge-response', undefined, { Payload: padded(maxRequestBytes + 1) }));
    expect(err).toBeInstanceOf(RequestTooLargeException);
    expect((err as LambdaServiceException).$metadata.httpStatusCode).toBe(413);
    expect((err as Error).message).toMatch(/6291456 bytes/);
    expect(lambda.stats()['huge-response']?.invocations).toBe(before);
  });

  it('returns a response of exactly 6,291,556 bytes and turns a larger one into Function.ResponseSizeTooLarge', async () => {
    const atLimit = await invoke('huge-response', { bytes: maxResponseBytes - 2 });
    expect(atLimit.FunctionError).toBeUndefined();
    expect(atLimit.Payload?.length).toBe(maxResponseBytes);

    const over = await invoke('huge-response', { bytes: maxResponseBytes - 1 });
    expect(over.StatusCode).toBe(200);
    expect(over.FunctionError).toBe('Unhandled');
    expect(payloadJson<ErrorPayload>(over).errorType).toBe('Function.ResponseSizeTooLarge');
  });
});
