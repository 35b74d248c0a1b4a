/**
 * One HTTP/1.1 request over a keep-alive node:http(s) Agent, for the lean Lambda invoker, with the
 * timeouts and error shapes of @smithy/node-http-handler 4.x (what @aws-sdk/client-lambda used here),
 * so that invoke-outcome.ts reads the same errors:
 *
 * - Connect timeout: fires only while the socket is connecting (a reused socket has none); the error is
 *   a `TimeoutError` saying the socket "did not establish a connection" (notExecuted).
 * - Total deadline (`timeoutMs`): a `TimeoutError` with code `ETIMEDOUT` that destroys the request.
 *   Unlike the SDK, whose deadline stopped at the response headers, it also covers the body.
 * - No idle socket timeout: a synchronous Invoke is silent until the function returns.
 * - Abort: an `AbortError` ("Request aborted", or the reason's text when it is not an Error).
 * - Socket errors as Node raises them; ECONNRESET, EPIPE and ETIMEDOUT renamed `TimeoutError`.
 * - TCP keep-alive probes (`keepAliveMs`) on every socket, from its first request on.
 */
import {
  type Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
} from 'node:http';
import { type Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import type { InvokeReply } from './invoke-reply.ts';

const TIMEOUT_ERROR_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

export interface TransportRequest {
  readonly url: URL;
  readonly path: string;
  readonly headers: OutgoingHttpHeaders;
  readonly body?: Uint8Array | undefined;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal | undefined;
}

export interface Transport {
  send(request: TransportRequest): Promise<InvokeReply>;
  destroy(): void;
}

/** The connect timeout's error (@smithy/node-http-handler's text, without its prefix): notExecuted. */
export function connectTimeoutError(timeoutMs: number): Error {
  return Object.assign(
    new Error(
      `the request socket did not establish a connection with the server within the configured timeout of ${timeoutMs} ms.`,
    ),
    { name: 'TimeoutError' },
  );
}

/** The total deadline's error (@smithy/node-http-handler's, without its prefix): ambiguous. */
export function deadlineError(timeoutMs: number): Error {
  return Object.assign(new Error(`a request has exceeded the configured ${timeoutMs} ms requestTimeout.`), {
    name: 'TimeoutError',
    code: 'ETIMEDOUT',
  });
}

/** @smithy/node-http-handler's buildAbortError. */
export function abortErrorOf(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  const error = new Error(reason && !(reason instanceof Error) ? String(reason) : 'Request aborted');
  error.name = 'AbortError';
  if (reason instanceof Error) error.cause = reason;
  return error;
}

export function createTransport(options: {
  readonly httpAgent: HttpAgent;
  readonly httpsAgent: HttpsAgent;
  readonly connectionTimeoutMs: number;
  readonly keepAliveMs: number;
}): Transport {
  const { httpAgent, httpsAgent, connectionTimeoutMs, keepAliveMs } = options;
  const probing = new WeakSet<Socket>();

  function send(request: TransportRequest): Promise<InvokeReply> {
    return new Promise<InvokeReply>((resolve, reject) => {
      const { signal } = request;
      if (signal?.aborted) {
        reject(abortErrorOf(signal));
        return;
      }
      const ssl = request.url.protocol === 'https:';
      let connectTimer: NodeJS.Timeout | undefined;
      let deadline: NodeJS.Timeout | undefined;
      let settled = false;
      const settle = (error: Error | undefined, reply?: InvokeReply) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        clearTimeout(connectTimer);
        signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(reply as InvokeReply);
      };
      const req = (ssl ? httpsRequest : httpRequest)(
        {
          protocol: request.url.protocol,
          host: request.url.hostname.replace(/^\[(.*)\]$/, '$1'),
          port: request.url.port,
          method: 'POST',
          path: request.path,
          headers: request.headers,
          agent: ssl ? httpsAgent : httpAgent,
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', (error) => settle(error));
          res.on('end', () =>
            settle(undefined, {
              status: res.statusCode ?? -1,
              headers: res.headers,
              body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks),
            }),
          );
        },
      );
      deadline = setTimeout(() => {
        const error = deadlineError(request.timeoutMs);
        req.destroy(error);
        settle(error);
      }, request.timeoutMs);
      const onAbort = () => {
        req.destroy();
        settle(abortErrorOf(signal as AbortSignal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (error: NodeJS.ErrnoException) => {
        settle(
          TIMEOUT_ERROR_CODES.has(error.code ?? '') ? Object.assign(error, { name: 'TimeoutError' }) : error,
        );
      });
      req.on('socket', (socket: Socket) => {
        if (!probing.has(socket)) {
          probing.add(socket);
          socket.setKeepAlive(true, keepAliveMs);
        }
        if (socket.connecting && connectionTimeoutMs > 0) {
          connectTimer = setTimeout(() => {
            req.destroy();
            settle(connectTimeoutError(connectionTimeoutMs));
          }, connectionTimeoutMs);
          socket.once('connect', () => clearTimeout(connectTimer));
        }
      });
      const body = request.body;
      if (body && body.byteLength > 0) req.end(Buffer.from(body.buffer, body.byteOffset, body.byteLength));
      else req.end();
    });
  }

  return {
    send,
    destroy() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
