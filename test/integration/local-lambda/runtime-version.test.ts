/**
 * The local Lambda follows the runtime interface client of the runtime it emulates (shared/functions/runtime-client.ts).
 * nodejs24.x (the deployed one, aws-lambda-ric 4.x) refuses callback handlers at init; the text is 4.0.2's, as it
 * answered under RIE (test/parity holds it there). nodejs22.x (aws-lambda-ric 3.x) still runs them.
 */
import { describe, expect, it } from 'vitest';
import { startLocalLambda } from '#dev/local-lambda/server';
import { loadFunctions } from '#shared/functions/loader';
import { fixtureFunctionsDir, payloadJson, useLocalLambda } from './use-local-lambda.ts';

const { invoke } = await useLocalLambda({ only: ['callback', 'inspect'], lambdaRuntime: 'nodejs24.x' });
const node22 = await useLocalLambda({ only: ['callback', 'inspect'], lambdaRuntime: 'nodejs22.x' });

describe('emulating nodejs22.x (aws-lambda-ric 3.x)', () => {
  it('runs a callback-style handler: its value, or its error as a function error', async () => {
    expect(payloadJson(await node22.invoke('callback', {}))).toEqual({ viaCallback: true });
    const failed = await node22.invoke('callback', { fail: true });
    expect(failed.FunctionError).toBe('Unhandled');
    expect(payloadJson(failed)).toMatchObject({ errorMessage: 'callback fixture failed on request' });
  });

  it("gives the context 3.x's callback members and names the runtime in AWS_EXECUTION_ENV", async () => {
    const out = payloadJson<{ context: Record<string, unknown>; env: Record<string, string> }>(
      await node22.invoke('inspect', {}),
    );
    expect(out.context).toMatchObject({ callbackWaitsForEmptyEventLoop: true });
    expect(out.context).not.toHaveProperty('xRayTraceId');
    expect(out.env.AWS_EXECUTION_ENV).toBe('AWS_Lambda_nodejs22.x');
  });
});

describe('emulating nodejs24.x (aws-lambda-ric 4.x)', () => {
  it('refuses a callback-style handler with Runtime.CallbackHandlerDeprecated (INVOKE API: 200 + Unhandled)', async () => {
    const out = await invoke('callback', {});
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe('Unhandled');
    const error = payloadJson<{ errorType: string; errorMessage: string; trace: string[] }>(out);
    expect(error.errorType).toBe('Runtime.CallbackHandlerDeprecated');
    expect(error.errorMessage).toBe(
      'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.',
    );
    expect(error.trace[0]).toBe(`Runtime.CallbackHandlerDeprecated: ${error.errorMessage}`);
  });

  it('runs an async handler and names the runtime in AWS_EXECUTION_ENV', async () => {
    const out = await invoke('inspect', {});
    expect(out.FunctionError).toBeUndefined();
    expect(payloadJson<{ env: Record<string, string> }>(out).env.AWS_EXECUTION_ENV).toBe(
      'AWS_Lambda_nodejs24.x',
    );
  });

  it('refuses to start for a runtime whose client is not known', async () => {
    const functions = await loadFunctions(fixtureFunctionsDir);
    await expect(startLocalLambda({ functions, lambdaRuntime: 'nodejs8.10' })).rejects.toThrow(
      /no aws-lambda-ric version is known for Lambda runtime "nodejs8.10"/,
    );
  });
});
