import { fileURLToPath } from 'node:url';
import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll } from 'vitest';
import { type LocalLambda, type LocalLambdaOptions, startLocalLambda } from '#dev/local-lambda/server';
import { loadFunctions } from '#shared/functions/loader';

export const fixtureFunctionsDir = fileURLToPath(new URL('../../fixtures/functions', import.meta.url));

/**
 * Starts the local Lambda on the fixture functions for one test file (stopped in afterAll) and a real
 * @aws-sdk/client-lambda pointed at it, without retries so every reply is seen as sent.
 */
export async function useLocalLambda(
  options: Omit<LocalLambdaOptions, 'functions'> & { only?: readonly string[] } = {},
) {
  const all = await loadFunctions(fixtureFunctionsDir);
  const functions = options.only ? all.filter((f) => options.only?.includes(f.definition.name)) : all;
  const lines: string[] = [];
  const lambda: LocalLambda = await startLocalLambda({
    log: (line) => lines.push(line),
    ...options,
    functions,
  });
  const client = new LambdaClient({
    endpoint: lambda.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  afterAll(async () => {
    client.destroy();
    await lambda.close();
  });
  const invoke = (FunctionName: string, payload: unknown, extra: Partial<InvokeCommand['input']> = {}) =>
    client.send(new InvokeCommand({ FunctionName, Payload: JSON.stringify(payload), ...extra }));
  return { lambda, client, invoke, lines };
}

export function payloadJson<T = Record<string, unknown>>(out: InvokeCommandOutput): T {
  return JSON.parse(Buffer.from(out.Payload ?? new Uint8Array()).toString('utf8')) as T;
}

/** The error a call rejects with; fails the test when the call succeeds. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail, it succeeded');
}
