/**
 * The pair the differential tests of the Lambda invoker compare: the lean invoker
 * (bridge/src/lambda/lambda-invoker.ts) and the SDK invoker it replaced (bench/sdk-lambda-invoker.ts,
 * @aws-sdk/client-lambda unmocked), both pointed at one endpoint, and what of their results to compare.
 */
import { createLambdaInvoker } from '#bridge/lambda/lambda-invoker';
import type { BatchInvoker, InvokeResult } from '#bridge/ports';
import { createSdkLambdaInvoker } from '../../../../bench/sdk-lambda-invoker.ts';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test', sessionToken: 'token' };
export const invokersAt = (endpoint: string) => {
  const options = { region: 'us-east-1', endpoint, credentials, maxSockets: 4, connectionTimeoutMs: 1_000 };
  return { sdk: createSdkLambdaInvoker(options), lean: createLambdaInvoker(options) };
};

/** The fields to compare: no duration, the SDK transport's own prefix and hint removed. */
export function comparable(result: InvokeResult): Record<string, unknown> {
  const { durationMs: _, ...rest } = result;
  const out: Record<string, unknown> = { ...rest };
  if (typeof out.message === 'string')
    out.message = out.message
      .replace('@smithy/node-http-handler - [ERROR] ', '')
      .replace('@smithy/node-http-handler - ', '')
      .replace(/\n {2}Deserialization error: to see the raw response.*$/s, '');
  // Each call has its own id (the responder's are random): compared in 'reports each call's own request id'.
  if (typeof out.requestId === 'string') out.requestId = '(a request id)';
  if (result.kind === 'ok') out.payload = Buffer.from(result.payload).toString('latin1');
  return out;
}

/** Sends the same Invoke through both clients, one after the other; both results, comparable. */
export async function both(
  pair: { sdk: BatchInvoker; lean: BatchInvoker },
  functionName = 'fn',
  payload: Uint8Array = Buffer.from('{"messages":[]}'),
  timeoutMs = 10_000,
): Promise<[Record<string, unknown>, Record<string, unknown>]> {
  const sdk = await pair.sdk.invoke({ functionName, payload, timeoutMs });
  const lean = await pair.lean.invoke({ functionName, payload, timeoutMs });
  return [comparable(sdk), comparable(lean)];
}
