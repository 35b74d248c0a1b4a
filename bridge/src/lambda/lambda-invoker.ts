/**
 * The BatchInvoker adapter for AWS Lambda: one synchronous Invoke (`POST
 * /2015-03-31/functions/{name}/invocations`) per batch, every outcome classified (never throws).
 *
 * A lean client, not @aws-sdk/client-lambda's middleware stack: per Invoke the SDK ran about twenty
 * middleware (schema serde, retry, endpoint rules, user agent, logger, ...) that cost a bridge at 200 B
 * per message about a fifth of its CPU (issue 18). This sends the one request Invoke needs with the SDK's
 * own parts where it matters (invoke-signer.ts: SigV4 by @smithy/signature-v4, the SDK's default credential
 * chain, its endpoint rules and clock skew correction) and reads the reply as the SDK did
 * (invoke-reply.ts), so invoke-outcome.ts classifies every reply class as before; test/differential
 * runs both clients against the same servers to show it.
 *
 * Settings, and why:
 * - No retries: a timeout, a reset socket or a 5xx may have run the function; the bridge decides what to
 *   retry.
 * - Keep-alive agents (http and https) with `maxSockets` ≥ the bridge's concurrency: HTTP/1.1 holds one
 *   socket for the whole Invoke, and requests queued inside the agent would start their timers early.
 * - `connectionTimeoutMs` bounds the TCP connect only (a failed connect sent nothing: notExecuted).
 * - No idle socket timeout: a synchronous Invoke is silent on the socket until the function returns, so
 *   an idle timeout below the function timeout would abort a healthy Invoke.
 * - A total deadline per call, `InvokeRequest.timeoutMs` (the engine sets it above the function's own
 *   timeout), over the request and the whole reply.
 * - `InvokeRequest.signal` aborts the call (drain deadline).
 * - TCP keep-alive probes every `keepAliveMs` on each socket (keep NAT/LB flows open during long Invokes).
 * - `preflight` is a DryRun Invoke: the same API and IAM permission (lambda:InvokeFunction), no function
 *   run; it also resolves the endpoint and credentials and opens a socket.
 */
import { performance } from 'node:perf_hooks';
import { type AwsCredentials, keepAliveAgents } from '#shared/clients/aws-client-config';
import type { BatchInvoker, InvokeRequest, InvokeResult, PreflightResult } from '../ports.ts';
import { classifyError, classifyOutput, preflightFailure } from './invoke-outcome.ts';
import { type InvokeReply, invokeOutputOf, serviceErrorOf } from './invoke-reply.ts';
import { createInvokeSigner, lambdaEndpoint } from './invoke-signer.ts';
import { createTransport } from './invoke-transport.ts';

export interface LambdaInvokerOptions {
  readonly region: string;
  /** A custom endpoint, e.g. the local Lambda `http://127.0.0.1:9001`. @default the regional endpoint */
  readonly endpoint?: string;
  /** @default the SDK's default credential chain (the ECS task role in production) */
  readonly credentials?: AwsCredentials;
  /** Sockets per origin; must be ≥ the number of concurrent invocations of all subscriptions. */
  readonly maxSockets: number;
  /** TCP connect timeout. */
  readonly connectionTimeoutMs: number;
  /** TCP keep-alive probe delay on idle sockets (keeps NAT/LB flows open during long Invokes). @default 1_000 */
  readonly keepAliveMs?: number;
}

export type LambdaInvoker = Required<BatchInvoker>;

/** The SDK's label encoding (extendedEncodeURIComponent): the name or ARN as one path segment. */
function encodeLabel(name: string): string {
  if (/^[\w.~-]+$/.test(name)) return name;
  return encodeURIComponent(name).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

export function createLambdaInvoker(options: LambdaInvokerOptions): LambdaInvoker {
  if (!Number.isInteger(options.maxSockets) || options.maxSockets < 1) {
    throw new RangeError(`maxSockets must be a positive integer, got ${options.maxSockets}`);
  }
  const keepAliveMs = options.keepAliveMs ?? 1_000;
  const transport = createTransport({
    ...keepAliveAgents({ maxSockets: options.maxSockets, keepAliveMs }),
    connectionTimeoutMs: options.connectionTimeoutMs,
    keepAliveMs,
  });
  const signer = createInvokeSigner({ region: options.region, credentials: options.credentials });
  let endpoint: Promise<URL> | undefined;

  /** One Invoke of `invocationType`: the reply (any status), or what the SDK would have thrown. */
  async function send(
    functionName: string,
    invocationType: 'RequestResponse' | 'DryRun',
    payload: Uint8Array | undefined,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<InvokeReply> {
    endpoint ??= lambdaEndpoint(options.region, options.endpoint);
    const url = await endpoint;
    const path = `${url.pathname.replace(/\/$/, '')}/2015-03-31/functions/${encodeLabel(functionName)}/invocations`;
    const headers: Record<string, string> = {
      host: url.host,
      'content-type': 'application/octet-stream',
      'x-amz-invocation-type': invocationType,
      // Not signed (SigV4 leaves user-agent out); names the caller in CloudTrail.
      'user-agent': 'nsq-lambda-bridge',
    };
    if (payload !== undefined) headers['content-length'] = String(payload.byteLength);
    const signed = await signer.sign({
      hostname: url.hostname,
      port: url.port === '' ? undefined : Number(url.port),
      path,
      headers,
      body: payload,
    });
    const sentAtMs = Date.now();
    const reply = await transport.send({ url, path, headers: signed, body: payload, timeoutMs, signal });
    signer.observe(reply.headers, sentAtMs);
    return reply;
  }

  return {
    async invoke(request: InvokeRequest): Promise<InvokeResult> {
      const started = performance.now();
      const elapsed = () => Math.round(performance.now() - started);
      try {
        const reply = await send(
          request.functionName,
          'RequestResponse',
          request.payload,
          request.timeoutMs,
          request.signal,
        );
        if (reply.status >= 300) throw serviceErrorOf(reply);
        return classifyOutput(invokeOutputOf(reply), elapsed());
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
        const reply = await send(functionName, 'DryRun', undefined, timeoutMs, undefined);
        if (reply.status >= 300) throw serviceErrorOf(reply);
        return { ok: true, durationMs: elapsed() };
      } catch (error) {
        return preflightFailure(error, elapsed());
      }
    },
    async close() {
      transport.destroy();
    },
  };
}
