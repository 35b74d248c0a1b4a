/**
 * The bridge's Lambda invoker as it was up to issue 18: @aws-sdk/client-lambda's InvokeCommand through
 * the full SDK middleware stack (maxAttempts 1, the keep-alive NodeHttpHandler of awsClientConfig, a
 * per-call requestTimeout with throwOnRequestTimeout, the abort signal), classified by the same
 * invoke-outcome.ts. Kept as the reference for the differential test of the lean invoker
 * (test/differential/lambda-invoker-differential.test.ts) and for the micro-benchmark
 * (bench/invoke-cpu.ts); the bridge no longer uses it.
 */
import { performance } from 'node:perf_hooks';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { classifyError, classifyOutput, preflightFailure } from '#bridge/lambda/invoke-outcome';
import type { LambdaInvokerOptions } from '#bridge/lambda/lambda-invoker';
import type { BatchInvoker, InvokeRequest, InvokeResult, PreflightResult } from '#bridge/ports';
import { awsClientConfig } from '#shared/clients/aws-client-config';

export interface SdkLambdaInvoker extends Required<BatchInvoker> {
  /** The underlying client, for tests and diagnostics. */
  readonly client: LambdaClient;
}

export function createSdkLambdaInvoker(options: LambdaInvokerOptions): SdkLambdaInvoker {
  if (!Number.isInteger(options.maxSockets) || options.maxSockets < 1) {
    throw new RangeError(`maxSockets must be a positive integer, got ${options.maxSockets}`);
  }
  const client = new LambdaClient(
    awsClientConfig({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      maxAttempts: 1,
      maxSockets: options.maxSockets,
      keepAliveMs: options.keepAliveMs ?? 1_000,
      connectionTimeoutMs: options.connectionTimeoutMs,
      requestTimeoutMs: 0, // per call: InvokeRequest.timeoutMs
      socketTimeoutMs: 0,
    }),
  );

  return {
    client,
    async invoke(request: InvokeRequest): Promise<InvokeResult> {
      const started = performance.now();
      const elapsed = () => Math.round(performance.now() - started);
      try {
        const output = await client.send(
          new InvokeCommand({
            FunctionName: request.functionName,
            InvocationType: 'RequestResponse',
            Payload: request.payload,
          }),
          {
            requestTimeout: request.timeoutMs,
            ...(request.signal ? { abortSignal: request.signal } : {}),
          },
        );
        return classifyOutput(output, elapsed());
      } catch (error) {
        return classifyError(error, elapsed(), request.signal?.aborted === true);
      }
    },
    async preflight(functionName: string, timeoutMs: number): Promise<PreflightResult> {
      const started = performance.now();
      const elapsed = () => Math.round(performance.now() - started);
      try {
        // DryRun: Lambda checks the function and the caller's permission (lambda:InvokeFunction) and
        // answers 204 without running it; it is not billed.
        await client.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'DryRun' }), {
          requestTimeout: timeoutMs,
        });
        return { ok: true, durationMs: elapsed() };
      } catch (error) {
        return preflightFailure(error, elapsed());
      }
    },
    async close() {
      client.destroy();
    },
  };
}
