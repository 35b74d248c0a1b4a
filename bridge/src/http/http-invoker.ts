/**
 * The BatchInvoker adapter for an HTTP(S) function endpoint (Cloudflare Workers, Deno Deploy, Vercel,
 * workerd locally): one signed POST of the batch event per batch, every outcome classified by
 * http-outcome.ts (never throws). One per subscription.
 *
 * Client settings (undici Pool), and why:
 * - `connections` = the subscription's maxConcurrentInvocations, `pipelining: 1`, HTTP/1.1 only
 *   (`allowH2: false`): one keep-alive socket per concurrent batch, no request queued behind another
 *   (its deadline would start early), and a reset socket hits exactly one batch.
 * - No retries (undici's Pool does not retry a POST): the bridge decides what to retry.
 * - `connectTimeout`: bounds the TCP/TLS connect (a failed connect sent nothing: notExecuted).
 * - `headersTimeout: 0`, `bodyTimeout: 0`: the only deadline is the request's total `timeoutMs`
 *   (an AbortSignal), as for Lambda; a silent endpoint is normal until its handler returns.
 * - `maxResponseSize`: Lambda's 6 MB response limit; a bigger reply is a function error.
 *
 * Each request carries `x-nsq-lambda-signature: t=…,v1=…` (one v1 per secret, shared/edge/signature.ts)
 * and `x-nsq-lambda-idempotency-key`: the batch id, which a retry of the same batch (after a 429 or a
 * not-executed error) keeps and each split or bisected half changes.
 */
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { IDEMPOTENCY_KEY_HEADER, SIGNATURE_HEADER, signRequest } from '#shared/edge/signature';
import type { BatchInvoker, InvokeRequest, InvokeResult } from '../ports.ts';
import { classifyFailure, classifyReply } from './http-outcome.ts';
import { idempotencyKeyOf } from './idempotency-key.ts';

/** Lambda's synchronous response limit, applied to HTTP replies too. */
export const MAX_REPLY_BYTES = 6 * 1024 * 1024;

export interface HttpInvokerOptions {
  /** The endpoint; https://, or http:// to loopback (validated by the config). */
  readonly url: string;
  /** The signing secrets: one, or two during a rotation. */
  readonly secrets: readonly string[];
  /** Extra request headers from the config. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Keep-alive connections: the subscription's maxConcurrentInvocations. */
  readonly connections: number;
  /** TCP (and TLS) connect timeout. @default 3_000 */
  readonly connectTimeoutMs?: number;
  /** Wall clock in ms, for the signature's timestamp and Retry-After dates. @default Date.now */
  readonly now?: () => number;
}

export interface HttpInvoker extends BatchInvoker {
  /** The endpoint as it appears in results and logs: origin and path, never the query. */
  readonly endpoint: string;
}

export function createHttpInvoker(options: HttpInvokerOptions): HttpInvoker {
  if (!Number.isInteger(options.connections) || options.connections < 1) {
    throw new RangeError(`connections must be a positive integer, got ${options.connections}`);
  }
  if (options.secrets.length === 0) throw new Error('an HTTP target needs at least one signing secret');
  const url = new URL(options.url);
  const endpoint = `${url.origin}${url.pathname}`;
  const path = `${url.pathname}${url.search}`;
  const now = options.now ?? Date.now;
  const pool = new Pool(url.origin, {
    connections: options.connections,
    pipelining: 1,
    allowH2: false,
    connectTimeout: options.connectTimeoutMs ?? 3_000,
    headersTimeout: 0,
    bodyTimeout: 0,
    maxResponseSize: MAX_REPLY_BYTES,
  });
  const secrets = [...options.secrets];
  const extraHeaders = options.headers ?? {};

  return {
    endpoint,
    async invoke(request: InvokeRequest): Promise<InvokeResult> {
      const started = performance.now();
      const elapsed = () => Math.round(performance.now() - started);
      const deadline = AbortSignal.timeout(request.timeoutMs);
      const signal = request.signal ? AbortSignal.any([deadline, request.signal]) : deadline;
      try {
        const signature = await signRequest(secrets, request.payload, Math.floor(now() / 1000));
        const response = await pool.request({
          method: 'POST',
          path,
          headers: {
            ...extraHeaders,
            'content-type': 'application/json',
            [SIGNATURE_HEADER]: signature,
            [IDEMPOTENCY_KEY_HEADER]: idempotencyKeyOf(request.payload),
          },
          body: request.payload,
          signal,
        });
        const body = new Uint8Array(await response.body.arrayBuffer());
        return classifyReply(
          { status: response.statusCode, headers: response.headers, body },
          elapsed(),
          now(),
          endpoint,
        );
      } catch (error) {
        return classifyFailure(
          { error, timedOut: deadline.aborted, aborted: request.signal?.aborted === true },
          elapsed(),
          endpoint,
        );
      }
    },
    async close() {
      await pool.destroy();
    },
  };
}
