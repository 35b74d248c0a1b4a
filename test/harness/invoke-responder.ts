/**
 * A scriptable HTTP server speaking the Lambda Invoke REST API
 * (`POST /2015-03-31/functions/{FunctionName}/invocations`), for tests of the bridge and its invoker.
 * It plays every Lambda outcome the bridge must classify, over real sockets, so the tests can use the
 * real @aws-sdk/client-lambda. It is not the local Lambda (that runs real function bundles).
 *
 *   const responder = await startInvokeResponder((call) => ({ body: { batchItemFailures: [] } }));
 *   const client = new LambdaClient({ endpoint: responder.endpoint, ... });
 *   ...
 *   await responder.close();
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface InvokeCall {
  /** The decoded FunctionName path segment (name, partial or full ARN). */
  readonly functionName: string;
  /** The `Qualifier` query parameter, when sent. */
  readonly qualifier: string | undefined;
  /** `X-Amz-Invocation-Type`, `RequestResponse` when absent. */
  readonly invocationType: string;
  readonly payload: Buffer;
  /** The request id this server put in `x-amzn-RequestId`. */
  readonly requestId: string;
  readonly receivedAtMs: number;
}

/** What the fake Lambda answers for one call. */
export type InvokeReply =
  /** 200 (202 for Event, 204 for DryRun). A string or Buffer is sent raw, anything else as JSON. */
  | { readonly body: unknown; readonly functionError?: undefined; readonly headers?: Record<string, string> }
  /** 200 + `X-Amz-Function-Error` (e.g. `Unhandled`); the body is the error object (JSON) or raw text. */
  | { readonly functionError: string; readonly body: unknown }
  /** 429 TooManyRequestsException with `Reason` (and `retryAfterSeconds` in the body and Retry-After). */
  | { readonly throttle: { readonly reason: string; readonly retryAfterSeconds?: number } }
  /** 413 RequestTooLargeException, as Lambda answers for a request payload over 6 MB. */
  | { readonly tooLarge: true }
  /** Any service error: status, `x-amzn-errortype` and a JSON body with `message`. */
  | { readonly status: number; readonly errorType: string; readonly message: string }
  /** Never answers; the request stays open until the client gives up or the responder closes. */
  | { readonly hang: true }
  /** Destroys the socket without any response (a connection reset mid-request). */
  | { readonly destroySocket: true };

export type InvokeHandler = (call: InvokeCall) => InvokeReply | Promise<InvokeReply>;

export interface InvokeResponder {
  /** `http://127.0.0.1:<port>`, for `LambdaClient({ endpoint })`. */
  readonly endpoint: string;
  readonly port: number;
  /** Every call received, in arrival order (recorded before the handler runs); DryRun calls are not here. */
  readonly calls: InvokeCall[];
  /** Every DryRun call (Lambda runs no function for those), answered by `options.dryRun`. */
  readonly dryRuns: InvokeCall[];
  setHandler(handler: InvokeHandler): void;
  /** Stops the server, destroying open sockets (so hanging calls end for the client). */
  close(): Promise<void>;
}

/** The default handler: every message succeeded (an empty SQS-style partial batch response). */
export const succeedAll: InvokeHandler = () => ({ body: { batchItemFailures: [] } });

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

function sendJson(res: http.ServerResponse, status: number, headers: Record<string, string>, body: unknown) {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(bytes.byteLength),
    ...headers,
  });
  res.end(bytes);
}

function toBytes(body: unknown): { bytes: Buffer; contentType: string } {
  if (Buffer.isBuffer(body)) return { bytes: body, contentType: 'application/octet-stream' };
  if (body instanceof Uint8Array)
    return { bytes: Buffer.from(body), contentType: 'application/octet-stream' };
  if (typeof body === 'string') return { bytes: Buffer.from(body, 'utf8'), contentType: 'application/json' };
  return { bytes: Buffer.from(JSON.stringify(body ?? null)), contentType: 'application/json' };
}

function serviceError(
  res: http.ServerResponse,
  requestId: string,
  status: number,
  errorType: string,
  body: Record<string, unknown>,
  extraHeaders: Record<string, string> = {},
) {
  sendJson(
    res,
    status,
    { 'x-amzn-requestid': requestId, 'x-amzn-errortype': errorType, ...extraHeaders },
    body,
  );
}

function reply(res: http.ServerResponse, call: InvokeCall, r: InvokeReply): void {
  const id = call.requestId;
  if ('hang' in r) return;
  if ('destroySocket' in r) {
    res.socket?.destroy();
    return;
  }
  if ('throttle' in r) {
    const { reason, retryAfterSeconds } = r.throttle;
    serviceError(
      res,
      id,
      429,
      'TooManyRequestsException',
      {
        Type: 'User',
        message: 'Rate Exceeded.',
        Reason: reason,
        ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds: String(retryAfterSeconds) }),
      },
      retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) },
    );
    return;
  }
  if ('tooLarge' in r) {
    serviceError(res, id, 413, 'RequestTooLargeException', {
      Type: 'User',
      message: `${call.payload.byteLength} byte payload is too large for the ${call.invocationType} invocation type (limit 6291456 bytes)`,
    });
    return;
  }
  if ('errorType' in r) {
    serviceError(res, id, r.status, r.errorType, {
      Type: r.status >= 500 ? 'Service' : 'User',
      message: r.message,
    });
    return;
  }
  const { bytes, contentType } = toBytes(r.body);
  const headers: Record<string, string> = {
    'x-amzn-requestid': id,
    'x-amz-executed-version': call.qualifier ?? '$LATEST',
    'content-type': contentType,
  };
  if (r.functionError !== undefined) headers['x-amz-function-error'] = r.functionError;
  else if (r.headers) Object.assign(headers, r.headers);
  const status =
    r.functionError === undefined && call.invocationType === 'Event'
      ? 202
      : r.functionError === undefined && call.invocationType === 'DryRun'
        ? 204
        : 200;
  if (status !== 200) {
    res.writeHead(status, { ...headers, 'content-length': '0' });
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': String(bytes.byteLength) });
  res.end(bytes);
}

export interface InvokeResponderOptions {
  /** Answers DryRun calls. @default 204, as Lambda does for a function that exists */
  readonly dryRun?: InvokeHandler;
}

/** Starts the responder on 127.0.0.1 and a free port. */
export async function startInvokeResponder(
  handler: InvokeHandler = succeedAll,
  options: InvokeResponderOptions = {},
): Promise<InvokeResponder> {
  let current = handler;
  const dryRunHandler: InvokeHandler = options.dryRun ?? (() => ({ body: '' }));
  const calls: InvokeCall[] = [];
  const dryRuns: InvokeCall[] = [];
  const sockets = new Set<Socket>();

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const match = INVOKE_PATH.exec(url.pathname);
    const requestId = randomUUID();
    if (req.method !== 'POST' || !match?.[1]) {
      req.resume();
      serviceError(res, requestId, 404, 'UnknownOperationException', {
        message: `no route for ${req.method} ${url.pathname}`,
      });
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const header = req.headers['x-amz-invocation-type'];
      const call: InvokeCall = {
        functionName: decodeURIComponent(match[1] ?? ''),
        qualifier: url.searchParams.get('Qualifier') ?? undefined,
        invocationType: typeof header === 'string' && header !== '' ? header : 'RequestResponse',
        payload: Buffer.concat(chunks),
        requestId,
        receivedAtMs: Date.now(),
      };
      const dryRun = call.invocationType === 'DryRun';
      (dryRun ? dryRuns : calls).push(call);
      Promise.resolve()
        .then(() => (dryRun ? dryRunHandler : current)(call))
        .then(
          (r) => {
            if (!res.destroyed) reply(res, call, r);
          },
          (err: unknown) => {
            if (res.destroyed) return;
            serviceError(res, requestId, 500, 'ServiceException', {
              Type: 'Service',
              message: `invoke responder handler threw: ${err instanceof Error ? err.message : String(err)}`,
            });
          },
        );
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    calls,
    dryRuns,
    setHandler(next) {
      current = next;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
