/**
 * Execution-environment behaviour: warm reuse, cold starts, the context, the environment, the memory cap,
 * RSS reporting and the leak detector, through the real @aws-sdk/client-lambda.
 */
import { describe, expect, it } from 'vitest';
import { waitFor } from '#dev/services/wait';
import { payloadJson, useLocalLambda } from './use-local-lambda.ts';

process.env.NSQ_LAMBDA_TEST_PARENT_SECRET = 'must-not-leak-into-functions';

const { lambda, invoke, lines } = await useLocalLambda({
  only: ['echo', 'inspect', 'leaky', 'oom', 'callback', 'init-fail'],
  functionEnvironment: (d): Record<string, string> =>
    d.name === 'inspect' ? { LOCAL_WIRING: 'from the server' } : {},
  leakDetector: { windowSize: 5, minGrowthBytes: 8 * 1024 * 1024 },
});

interface Echo {
  pid: number;
  invocationsInThisProcess: number;
  requestId: string;
}

interface Inspect {
  context: Record<string, unknown>;
  remainingAtStartMs: number;
  remainingAfterWaitMs: number;
  env: Record<string, string>;
  heapSizeLimitBytes: number;
}

describe('warm pool', () => {
  it('keeps module scope between invocations in one worker and counts one cold start', async () => {
    const first = payloadJson<Echo>(await invoke('echo', { n: 1 }));
    const second = payloadJson<Echo>(await invoke('echo', { n: 2 }));
    expect(second.pid).toBe(first.pid);
    expect([first.invocationsInThisProcess, second.invocationsInThisProcess]).toEqual([1, 2]);
    expect(second.requestId).not.toBe(first.requestId);
    const stats = lambda.stats().echo;
    expect(stats).toMatchObject({ invocations: 2, coldStarts: 1 });
    expect(stats?.workers).toHaveLength(1);
    expect(stats?.workers[0]).toMatchObject({ pid: first.pid, invocations: 2, state: 'idle' });
  });

  it('runs concurrent invocations in separate processes, one invocation per process', async () => {
    const outs = await Promise.all([1, 2, 3].map(() => invoke('inspect', { waitMs: 3_000 })));
    expect(outs.every((o) => o.FunctionError === undefined)).toBe(true);
    const workers = lambda.stats().inspect?.workers ?? [];
    expect(lambda.stats().inspect?.coldStarts).toBe(3);
    expect(workers).toHaveLength(3);
    expect(new Set(workers.map((w) => w.pid)).size).toBe(3);
    expect(workers.every((w) => w.invocations === 1)).toBe(true);
  });

  it('refuses a callback-style handler at init, as nodejs24.x does (runtime-version.test.ts runs it on nodejs22.x)', async () => {
    const failed = await invoke('callback', {});
    expect(failed.FunctionError).toBe('Unhandled');
    expect(payloadJson(failed)).toMatchObject({ errorType: 'Runtime.CallbackHandlerDeprecated' });
  });

  it('reports an error thrown while the module loads as a function error', async () => {
    const out = await invoke('init-fail', {});
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe('Unhandled');
    expect(payloadJson(out)).toMatchObject({
      errorType: 'Error',
      errorMessage: 'configuration missing: the init-fail fixture always fails at import',
    });
    expect(
      lines.some((l) =>
        /^\[init-fail\] INIT_REPORT Init Duration: [\d.]+ ms\tPhase: init\tStatus: error\tError Type: Error/.test(
          l,
        ),
      ),
    ).toBe(true);
  });
});

describe('context and environment', () => {
  it('gives the handler a real context whose remaining time counts down to the timeout', async () => {
    const out = payloadJson<Inspect>(await invoke('inspect', { waitMs: 300 }));
    expect(out.context).toMatchObject({
      functionName: 'inspect',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:inspect',
      memoryLimitInMB: '192',
      logGroupName: '/aws/lambda/inspect',
      xRayTraceId: '',
    });
    // nodejs24.x's client has no callback members on the context.
    expect(out.context).not.toHaveProperty('callbackWaitsForEmptyEventLoop');
    expect(out.context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.remainingAtStartMs).toBeLessThanOrEqual(7_000);
    expect(out.remainingAtStartMs).toBeGreaterThan(3_000);
    expect(out.remainingAtStartMs - out.remainingAfterWaitMs).toBeGreaterThanOrEqual(290);
  });

  it("gives the function its own environment plus Lambda's variables, never the server's", async () => {
    const { env } = payloadJson<Inspect>(await invoke('inspect', {}));
    expect(env).toMatchObject({
      INSPECT_OWN_VAR: 'own value',
      LOCAL_WIRING: 'from the server',
      AWS_LAMBDA_FUNCTION_NAME: 'inspect',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '192',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_REGION: 'us-east-1',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      _HANDLER: 'index.handler',
    });
    expect(env.PATH).toBeTruthy();
    expect(env.NSQ_LAMBDA_TEST_PARENT_SECRET).toBeUndefined();
    expect(env.ECHO_GREETING).toBeUndefined(); // another function's variable
    // What infra sets on every deployed function, never the server's own NODE_OPTIONS.
    expect(env.NODE_OPTIONS).toBe('--enable-source-maps');
    expect(env.NSQ_LAMBDA_FUNCTION).toBe('inspect');
  });

  it('caps the V8 heap at the function memory size', async () => {
    const inspect = payloadJson<Inspect>(await invoke('inspect', {}));
    const oom = payloadJson<{ heapSizeLimitBytes: number }>(await invoke('oom', { allocate: false }));
    const mib = 1024 * 1024;
    expect(inspect.heapSizeLimitBytes).toBeGreaterThanOrEqual(192 * mib);
    expect(inspect.heapSizeLimitBytes).toBeLessThan(300 * mib);
    expect(oom.heapSizeLimitBytes).toBeGreaterThanOrEqual(128 * mib);
    expect(oom.heapSizeLimitBytes).toBeLessThan(inspect.heapSizeLimitBytes);
  });
});

describe('logs, RSS and leaks', () => {
  it('returns the invocation log with LogType Tail and logs a REPORT line with the RSS', async () => {
    const out = await invoke('echo', { tail: true }, { LogType: 'Tail' });
    const log = Buffer.from(out.LogResult ?? '', 'base64').toString('utf8');
    const requestId = payloadJson<Echo>(out).requestId;
    expect(out.$metadata.requestId).toBe(requestId);
    expect(out.ExecutedVersion).toBe('$LATEST');
    expect(log).toContain(`START RequestId: ${requestId} Version: $LATEST`);
    expect(log).toMatch(new RegExp(`${requestId}\\tINFO\\techo invoked`));
    expect(log).toContain(`END RequestId: ${requestId}`);
    expect(log).toMatch(/REPORT RequestId: .*Max Memory Used: \d+ MB.*RSS: [\d.]+ MiB/);
    expect(
      lines.some((l) => l.startsWith('[echo] REPORT') && l.includes(requestId) && /RSS: [\d.]+ MiB/.test(l)),
    ).toBe(true);
    const worker = lambda.stats().echo?.workers[0];
    expect(worker?.rssBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(worker?.rssHistory.length).toBe(worker?.invocations);
  });

  it('warns when a worker keeps growing across invocations, and not for a steady one', async () => {
    for (let i = 0; i < 6; i++) await invoke('leaky', { bytes: 4 * 1024 * 1024 });
    for (let i = 0; i < 6; i++) await invoke('echo', { i });
    await waitFor(() => (lambda.stats().leaky?.leakWarnings ?? 0) >= 1, { what: 'a leak warning for leaky' });
    expect(lambda.stats().echo?.leakWarnings).toBe(0);
    const warning = lines.find((l) => l.includes('possible memory leak'));
    expect(warning).toMatch(/^\[leaky\] WARNING possible memory leak: worker \d+ \(pid \d+\) RSS grew/);
    const history = lambda.stats().leaky?.workers[0]?.rssHistory ?? [];
    expect(history).toHaveLength(6);
    expect((history.at(-1) ?? 0) - (history[0] ?? 0)).toBeGreaterThan(15 * 1024 * 1024);
  });
});
