/**
 * The local Lambda against AWS's own runtime: the same bundle under RIE + aws-lambda-ric (the client the
 * deployed runtime carries) and under dev/local-lambda, the same events, compared.
 *
 * Layers, named in every assertion:
 * - RUNTIME: the payload the runtime produces (response bytes, error payload, what the handler sees). Held to RIE.
 * - INVOKE API: HTTP status and X-Amz-Function-Error. RIE drops headers and answers 502/plain text where Lambda
 *   answers 200 + `X-Amz-Function-Error: Unhandled` (../shared/reading/lambda-bridge-anchors.md), so these are
 *   held to that reference, never to RIE.
 */
import { describe, expect, it } from 'vitest';
import { maxResponseBytes } from '#dev/local-lambda/invoke-api';
import { waitFor } from '#dev/services/wait';
import { lambdaRuntime } from '#shared/functions/bundling';
import { runtimeClient } from '#shared/functions/runtime-client';
import { parityCases } from './parity-cases.ts';
import { comparableError, functionFrames, loadParityFixtures, useParity } from './parity-harness.ts';

const parity = await useParity(await loadParityFixtures());
/** The deployed runtime's client: 4.x (nodejs24.x) installs no process-wide error handlers; 3.x does. */
const v4 = runtimeClient().major >= 4;

/** INVOKE API layer: a function error is 200 + Unhandled; a success is 200 without the header. */
function expectInvokeApi(local: { status: number; functionError: string | undefined }, fails: boolean) {
  expect(local.status).toBe(200);
  expect(local.functionError).toBe(fails ? 'Unhandled' : undefined);
}

describe('each case: same payload under RIE and the local Lambda', () => {
  it.each(parityCases)('$fn $event.case', async ({ fn, event, fails }) => {
    const { rie, local } = await parity.both(fn, event);
    expectInvokeApi(local, fails);
    if (fails) {
      // RUNTIME layer: errorType, errorMessage, the trace's first line and the function's own frames.
      expect(comparableError(local.body)).toEqual(comparableError(rie.body));
    } else {
      // RUNTIME layer: the response, byte for byte.
      expect(local.body).toBe(rie.body);
      expect(rie.status).toBe(200);
    }
  });
});

describe('what the handler sees', () => {
  interface Seen {
    context: { keys: string[]; types: Record<string, string>; values: Record<string, unknown> };
    remainingMs: number;
    remainingAfter50Ms: number;
    env: Record<string, string>;
  }

  it('the same context members, types and values (RUNTIME layer)', async () => {
    const { rie, local } = await parity.both('cases', { case: 'context' });
    const r = JSON.parse(rie.body) as Seen;
    const l = JSON.parse(local.body) as Seen;
    expect(l.context.keys).toEqual(r.context.keys);
    expect(l.context.types).toEqual(r.context.types);
    // Same members in the same order (JSON.stringify(context) is byte-equal but for these values).
    expect(Object.keys(l.context.values)).toEqual(Object.keys(r.context.values));
    const stable = (v: Record<string, unknown>) => ({
      ...v,
      awsRequestId: typeof v.awsRequestId,
      // RIE's placeholders (account 012345678912, /aws/lambda/Functions, "$LATEST"); Lambda's own formats
      // are held to the reference below.
      invokedFunctionArn: String(v.invokedFunctionArn).replace(/:\d{12}:/, ':<account>:'),
      logGroupName: typeof v.logGroupName,
      logStreamName: typeof v.logStreamName,
    });
    expect(stable(l.context.values)).toEqual(stable(r.context.values));
    expect(l.context.values.logGroupName).toBe('/aws/lambda/cases');
    expect(l.context.values.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
  });

  it('getRemainingTimeInMillis counts down from the timeout under both (RUNTIME layer)', async () => {
    const { rie, local } = await parity.both('cases', { case: 'context' });
    for (const seen of [JSON.parse(rie.body) as Seen, JSON.parse(local.body) as Seen]) {
      expect(seen.remainingMs).toBeLessThanOrEqual(2_000);
      expect(seen.remainingMs).toBeGreaterThan(1_000);
      expect(seen.remainingMs - seen.remainingAfter50Ms).toBeGreaterThanOrEqual(45);
    }
  });

  it('the same runtime environment variables (RUNTIME layer)', async () => {
    const { rie, local } = await parity.both('cases', { case: 'context' });
    const r = (JSON.parse(rie.body) as Seen).env;
    const l = (JSON.parse(local.body) as Seen).env;
    // Set by RIE for its own wiring or from its inputs, not by Lambda for a function: the runtime API and
    // metadata endpoints (the local Lambda has no runtime API), empty credentials, and the timeout RIE reads.
    const rieOnly =
      /^(AWS_LAMBDA_RUNTIME_API|AWS_LAMBDA_METADATA_API|AWS_LAMBDA_METADATA_TOKEN|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|AWS_LAMBDA_FUNCTION_TIMEOUT)$/;
    // Set by Lambda and not by RIE (Lambda's documented reserved variables).
    const lambdaOnly = ['AWS_EXECUTION_ENV', 'AWS_LAMBDA_INITIALIZATION_TYPE'];
    const names = (env: Record<string, string>, drop: (k: string) => boolean) =>
      Object.keys(env)
        .filter((k) => !drop(k))
        .sort();
    expect(names(l, (k) => lambdaOnly.includes(k))).toEqual(names(r, (k) => rieOnly.test(k)));
    const placeholders = ['AWS_LAMBDA_LOG_GROUP_NAME', 'AWS_LAMBDA_LOG_STREAM_NAME'];
    for (const name of names(r, (k) => rieOnly.test(k) || placeholders.includes(k))) {
      expect({ name, value: l[name] }).toEqual({ name, value: r[name] });
    }
    expect(l.AWS_EXECUTION_ENV).toBe(`AWS_Lambda_${lambdaRuntime}`);
    expect(l.AWS_LAMBDA_LOG_GROUP_NAME).toBe('/aws/lambda/cases');
  });
});

describe('logs', () => {
  /** The last `<label> \t{json}` line a runtime printed, parsed, with its frames left out. */
  function loggedError(lines: readonly string[], label: string) {
    const line = [...lines].reverse().find((l) => l.includes(`\tERROR\t${label} \t{`));
    if (!line) throw new Error(`no "${label}" line in:\n${lines.slice(-5).join('\n')}`);
    const fields = JSON.parse(line.slice(line.indexOf('{')), (key, value: unknown) =>
      key === 'stack' && Array.isArray(value) ? functionFrames(value as string[]) : value,
    ) as Record<string, unknown>;
    return { ...fields, keys: Object.keys(fields) };
  }

  it.each([
    ['throw-custom', 'Invoke Error'],
    ['throw-string', 'Invoke Error'],
    ['throw-object', 'Invoke Error'],
    ...(v4 ? [] : [['unhandled-during', 'Unhandled Promise Rejection']]),
  ])('a failed invocation (%s) logs the client\'s "%s" line (RUNTIME layer)', async (name, label) => {
    await parity.both('cases', { case: name });
    const rieLines = (parity.rie.get('cases')?.output() ?? '').split('\n');
    await waitFor(() => parity.lines.some((l) => l.includes(`\tERROR\t${label} \t{`)), {
      what: 'the local log line',
    });
    expect(loggedError(parity.lines, label)).toEqual(loggedError(rieLines, label));
  });
});

describe('logs outside an invocation', () => {
  it('a line logged while the module loads has the same fields under both, request id "-" (4.x) or "undefined" (3.x) (RUNTIME layer)', async () => {
    await parity.both('init-error', { case: 'logged at init' });
    const message = '\tINFO\tinit-error fixture: module loading';
    const find = (lines: readonly string[]) =>
      lines.map((l) => l.replace(/^\[init-error#\d+\] /, '')).find((l) => l.endsWith(message));
    const rieLines = () => (parity.rie.get('init-error')?.output() ?? '').split('\n');
    await waitFor(() => find(rieLines()) !== undefined && find(parity.lines) !== undefined, {
      what: 'the init-time log line under both',
    });
    // Fields after the timestamp: request id, level, message.
    const fields = (line: string | undefined) => line?.split('\t').slice(1);
    expect(fields(find(parity.lines))).toEqual(fields(find(rieLines())));
    expect(fields(find(parity.lines))?.[0]).toBe(v4 ? '-' : 'undefined');
  });
});

describe.runIf(v4)('an error outside the handler under the 4.x client', () => {
  it.each([
    ['unhandled-during', 'RangeError: rejected and never handled', 'handler.ts:59:'],
    ['uncaught-during', 'SyntaxError: thrown from a timer', 'handler.ts:67:'],
  ])(
    "%s: no client log line, Node's own report of the error and the function's frame under both (RUNTIME layer)",
    async (name, error, frame) => {
      const rieOutput = () => parity.rie.get('cases')?.output() ?? '';
      const rieBefore = rieOutput().length;
      const localBefore = parity.lines.length;
      await parity.both('cases', { case: name });
      const rieLines = () => rieOutput().slice(rieBefore).split('\n');
      const localLines = () => parity.lines.slice(localBefore).map((l) => l.replace(/^\[cases#\d+\] /, ''));
      for (const [runtime, lines] of [
        ['RIE', rieLines],
        ['local', localLines],
      ] as const) {
        await waitFor(() => lines().some((l) => /^Node\.js v\d+/.test(l)), {
          what: `${runtime}: Node's report`,
        });
        expect({ runtime, error: lines().includes(error) }).toEqual({ runtime, error: true });
        expect({ runtime, frame: lines().some((l) => l.includes(frame)) }).toEqual({ runtime, frame: true });
        expect({
          runtime,
          clientLine: lines().some((l) =>
            /\tERROR\t(Uncaught Exception|Unhandled Promise Rejection)/.test(l),
          ),
        }).toEqual({ runtime, clientLine: false });
      }
    },
  );
});

describe('payload size', () => {
  // 'x'.repeat(n) is n + 2 bytes of JSON.
  it('returns a response of exactly 6,291,556 bytes byte for byte (RUNTIME layer)', async () => {
    const { rie, local } = await parity.both('cases', { case: 'big', bytes: maxResponseBytes - 2 });
    expect(Buffer.byteLength(rie.body)).toBe(maxResponseBytes);
    expect(local.body === rie.body).toBe(true);
    expectInvokeApi(local, false);
  });

  it('fails a response one byte over with Function.ResponseSizeTooLarge (RUNTIME payload; INVOKE API header)', async () => {
    const { rie, local } = await parity.both('cases', { case: 'big', bytes: maxResponseBytes - 1 });
    expect(local.body).toBe(rie.body);
    expect(JSON.parse(local.body)).toMatchObject({ errorType: 'Function.ResponseSizeTooLarge' });
    expectInvokeApi(local, true);
  });
});

describe('the runtime process ends', () => {
  it('process.exit inside the handler: Runtime.ExitError with the exit status', async () => {
    const { rie, local } = await parity.both('cases', { case: 'exit' });
    expect(comparableError(local.body)).toEqual(comparableError(rie.body));
    expect(comparableError(local.body).errorMessage).toBe(
      'RequestId: <id> Error: Runtime exited with error: exit status 3',
    );
    // INVOKE API layer: RIE answers 502 here; Lambda answers 200 + Unhandled.
    expect(rie.status).toBe(502);
    expectInvokeApi(local, true);
    expect((await parity.both('cases', { case: 'batch' })).local.body).toBe('{"batchItemFailures":[]}');
  });

  // 3.x's own handler exits with 128 after logging "Unhandled Promise Rejection"; under 4.x Node reports the
  // rejection and exits with 1.
  const rejection = v4
    ? { status: 1, report: 'RangeError: rejected after the response' }
    : { status: 128, report: 'Unhandled Promise Rejection' };
  it(`an unhandled rejection after the response: the answer stands, the next invocation is Runtime.ExitError (exit status ${rejection.status})`, async () => {
    const fn = parity.rie.get('cases');
    const { rie, local } = await parity.both('cases', { case: 'unhandled-after' });
    expect(local.body).toBe(rie.body);
    expectInvokeApi(local, false);
    // Wait for the positive event under each: the client logged the rejection (its error report for a
    // finished invocation then blocks until the next one, so the exit shows there), the local worker exited.
    await waitFor(() => fn?.output().includes(rejection.report), {
      what: 'RIE runtime to report the unhandled rejection',
    });
    await waitFor(
      () => parity.lines.some((l) => l.includes(`exited while idle (code ${rejection.status})`)),
      {
        what: 'the local worker to exit while idle',
      },
    );
    const next = await parity.both('cases', { case: 'batch' });
    expect(comparableError(next.local.body)).toEqual(comparableError(next.rie.body));
    expect(comparableError(next.local.body).errorMessage).toBe(
      `RequestId: <id> Error: Runtime exited with error: exit status ${rejection.status}`,
    );
    expectInvokeApi(next.local, true);
    const after = await parity.both('cases', { case: 'batch' });
    expect(after.local.body).toBe(after.rie.body);
  });

  it('a timeout, then a second invocation that runs normally', async () => {
    const { rie, local } = await parity.both('cases', { case: 'timeout' });
    // RUNTIME layer: RIE reports the timeout as plain text; Lambda's Invoke API wraps the same words in
    // {"errorType":"Sandbox.Timedout","errorMessage":"RequestId: … Error: Task timed out after 2.00 seconds"}.
    expect(rie.body).toBe('Task timed out after 2.00 seconds');
    const error = comparableError(local.body);
    expect(error).toMatchObject({ errorType: 'Sandbox.Timedout', keys: ['errorType', 'errorMessage'] });
    expect(error.errorMessage).toBe(`RequestId: <id> Error: ${rie.body}`);
    expectInvokeApi(local, true);
    // RIE resets its one sandbox after a timeout; an invocation that arrives before the reset's REPORT line
    // gets RIE's own "Sandbox.Failure ... ErrGateCanceled". Wait for the positive event: the REPORT line.
    const output = () => parity.rie.get('cases')?.output() ?? '';
    const timedOut = [...output().matchAll(/START RequestId: (\S+)/g)].at(-1)?.[1];
    await waitFor(() => output().includes(`REPORT RequestId: ${timedOut}`), {
      what: 'RIE to finish resetting after the timeout',
    });
    const next = await parity.both('cases', { case: 'batch', failIds: ['m1'] });
    expect(next.local.body).toBe(next.rie.body);
    expectInvokeApi(next.local, false);
  });
});
