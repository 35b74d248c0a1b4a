/**
 * The BatchInvoker adapter over @aws-sdk/client-lambda: one synchronous Invoke per batch, every
 * outcome classified (never throws).
 *
 * Client settings (through shared/clients/aws-client-config.ts), and why (checked against the installed
 * @smithy/node-http-handler 4.x):
 * - `maxAttempts: 1`: the SDK's standard retry would re-send a 429 (fine) but also a timeout, a reset
 *   socket or a 5xx, which may run the function twice. The bridge decides what to retry.
 * - Keep-alive agents (http and https) with `maxSockets` ≥ the bridge's concurrency: HTTP/1.1 holds one
 *   socket for the whole Invoke, and requests queued inside the agent would start their timers early.
 * - `connectionTimeout`: bounds the TCP/TLS connect only (a failed connect sent nothing: notExecuted).
 * - No idle socket timeout (`socketTimeout: 0`): a synchronous Invoke is silent on the socket until the
 *   function returns, so an idle timeout below the function timeout would abort a healthy Invoke.
 *   0 also overrides any service default the SDK might set.
 * - Per-call `requestTimeout` = `InvokeRequest.timeoutMs` with `throwOnRequestTimeout: true`: a total
 *   deadline that the engine sets above the function's own timeout. Without `throwOnRequestTimeout`
 *   this handler version only logs a warning when it passes.
 * - `abortSignal` = `InvokeRequest.signal` (drain deadline).
 * - `preflight` is a DryRun Invoke: the same API and IAM permission, no function run.
 */
import { performance } from 'node:perf_hooks';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { type AwsCredentials, awsClientConfig } from '#shared/clients/aws-client-config';
import type { BatchInvoker, InvokeRequest, InvokeResult, PreflightResult } from '../ports.ts';
import { classifyError, classifyOutput } from './invoke-outcome.ts';

export interface LambdaInvokerOptions {
  readonly region: string;
  /** A custom endpoint, e.g. the local Lambda `http://127.0.0.1:9001`. @default the regional endpoint */
  readonly endpoint?: string;
  /** @default the SDK's default credential chain (the ECS task role in production) */
  readonly credentials?: AwsCredentials;
  /** Sockets per origin; must be ≥ the number of concurrent invocations of all subscriptions. */
  readonly maxSockets: number;
  /** TCP (and TLS) connect timeout. */
  readonly connectionTimeoutMs: number;
  /** TCP keep-alive probe delay on idle sockets (keeps NAT/LB flows open during long Invokes). @default 1_000 */
  readonly keepAliveMs?: number;
}

export interface LambdaInvoker extends Required<BatchInvoker> {
  /** The underlying client, for tests and diagnostics. */
  readonly client: LambdaClient;
}

export function createLambdaInvoker(options: LambdaInvokerOptions): LambdaInvoker {
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
        const e = error as { name?: unknown; code?: unknown; message?: unknown };
        // Service errors are named (ResourceNotFoundException); socket errors carry a code (ECONNREFUSED).
        const name = typeof e?.name === 'string' && e.name !== '' && e.name !== 'Error' ? e.name : undefined;
        return {
          ok: false,
          errorType: name ?? (typeof e?.code === 'string' ? e.code : 'Error'),
          message: typeof e?.message === 'string' ? e.message : String(error),
          durationMs: elapsed(),
        };
      }
    },
    async close() {
      client.destroy();
    },
  };
}
