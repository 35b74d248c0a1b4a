/**
 * The HTTP surface of the local Lambda: the Invoke REST API (`POST /2015-03-31/functions/{FunctionName}/invocations`)
 * with Lambda's status codes, headers and error shapes, plus the read-only calls a client may make before
 * invoking (GetFunction, GetFunctionConfiguration, GetFunctionConcurrency, ListFunctions) and `/local/stats`.
 *
 * Errors use the real wire shape: header `x-amzn-errortype: <Name>` and body `{"Type", "message", "Reason"?}`,
 * which @aws-sdk/client-lambda maps onto its exception classes.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseFunctionName } from './function-name.ts';
import type { FunctionPool, FunctionStats } from './function-pool.ts';
import { type Payload, payloadText } from './invoke-channel.ts';
import type { LambdaErrorPayload } from './protocol.ts';

/** Synchronous Invoke request limit (bytes), as AWS documents and enforces. */
export const maxRequestBytes = 6_291_456;
/** Asynchronous (Event) Invoke request limit since October 2025. */
export const maxEventRequestBytes = 1_048_576;
/** Synchronous response limit; AWS's error text names 6,291,556 bytes. */
export const maxResponseBytes = 6_291_556;
/** X-Amz-Log-Result carries the last 4 KB of the invocation's log. */
const maxLogTailBytes = 4096;

export interface InvokeApiSettings {
  readonly region: string;
  readonly accountId: string;
  readonly pools: ReadonlyMap<string, FunctionPool>;
  readonly stats: () => Record<string, FunctionStats>;
}

interface ApiError {
  readonly status: number;
  readonly type: string;
  readonly message: string;
  readonly reason?: string;
  readonly fault?: 'User' | 'Service';
}

function sendError(res: ServerResponse, requestId: string, error: ApiError): void {
  const body = JSON.stringify({
    Type: error.fault ?? 'User',
    message: error.message,
    ...(error.reason ? { Reason: error.reason } : {}),
  });
  res.writeHead(error.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-amzn-errortype': error.type,
    'x-amzn-requestid': requestId,
  });
  res.end(body);
}

function sendJson(res: ServerResponse, requestId: string, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': requestId,
  });
  res.end(body);
}

/** Reads the body; past `limitBytes` it keeps draining (so the reply reaches the client) but keeps nothing. */
async function readBody(req: IncomingMessage, limitBytes: number): Promise<{ body: Payload; bytes: number }> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    if (bytes <= limitBytes) chunks.push(chunk);
    else chunks.length = 0;
  }
  return { body: bytes <= limitBytes ? chunks : [], bytes };
}

function logTail(log: string): string {
  const buf = Buffer.from(log, 'utf8');
  return buf.subarray(Math.max(0, buf.length - maxLogTailBytes)).toString('base64');
}

export function createInvokeApi(settings: InvokeApiSettings) {
  const arnOf = (name: string, qualifier?: string) =>
    `arn:aws:lambda:${settings.region}:${settings.accountId}:function:${name}${qualifier ? `:${qualifier}` : ''}`;

  /** Finds the pool for a FunctionName (+ Qualifier query), or the error to send. */
  function resolve(
    rawName: string,
    queryQualifier: string | null,
  ): { pool: FunctionPool; qualifier?: string } | ApiError {
    let decoded: string;
    try {
      decoded = decodeURIComponent(rawName);
    } catch {
      return {
        status: 400,
        type: 'InvalidParameterValueException',
        message: 'FunctionName is not URL-encoded',
      };
    }
    const ref = parseFunctionName(decoded);
    if ('problem' in ref)
      return { status: 400, type: 'InvalidParameterValueException', message: ref.problem };
    if (ref.qualifier && queryQualifier && ref.qualifier !== queryQualifier)
      return {
        status: 400,
        type: 'InvalidParameterValueException',
        message: 'The derived qualifier from the function name does not match the specified qualifier.',
      };
    const qualifier = queryQualifier ?? ref.qualifier;
    const pool = settings.pools.get(ref.name);
    const wrongPlace =
      (ref.accountId !== undefined && ref.accountId !== settings.accountId) ||
      (ref.region !== undefined && ref.region !== settings.region);
    // Only $LATEST exists locally: versions and aliases are a deployment concept.
    if (!pool || wrongPlace || (qualifier !== undefined && qualifier !== '$LATEST'))
      return {
        status: 404,
        type: 'ResourceNotFoundException',
        message: `Function not found: ${ref.accountId || ref.region ? decoded : arnOf(ref.name, qualifier)}`,
      };
    return { pool, ...(qualifier ? { qualifier } : {}) };
  }

  function configuration(pool: FunctionPool) {
    const d = pool.definition;
    return {
      FunctionName: d.name,
      FunctionArn: pool.functionArn,
      Runtime: pool.lambdaRuntime,
      Handler: `index.${d.handlerExport}`,
      Description: d.description,
      Timeout: d.timeoutSec,
      MemorySize: d.memoryMb,
      Version: '$LATEST',
      Environment: { Variables: { ...d.environment } },
      State: 'Active',
      LastUpdateStatus: 'Successful',
      PackageType: 'Zip',
      Architectures: ['x86_64'],
    };
  }

  async function invoke(req: IncomingMessage, res: ServerResponse, rawName: string, url: URL): Promise<void> {
    const requestId = randomUUID();
    const invocationType = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    const logType = String(req.headers['x-amz-log-type'] ?? 'None');
    if (!['RequestResponse', 'Event', 'DryRun'].includes(invocationType)) {
      await readBody(req, 0);
      return sendError(res, requestId, {
        status: 400,
        type: 'InvalidParameterValueException',
        message: `Unsupported invocation type ${JSON.stringify(invocationType)}; use RequestResponse, Event or DryRun`,
      });
    }
    const limitBytes = invocationType === 'Event' ? maxEventRequestBytes : maxRequestBytes;
    const { body, bytes } = await readBody(req, limitBytes);
    const found = resolve(rawName, url.searchParams.get('Qualifier'));
    if ('status' in found) return sendError(res, requestId, found);
    if (bytes > limitBytes)
      return sendError(res, requestId, {
        status: 413,
        type: 'RequestTooLargeException',
        message: `Request must be smaller than ${limitBytes} bytes for the InvokeFunction operation`,
      });
    const text = payloadText(body);
    if (text.trim() !== '') {
      try {
        JSON.parse(text);
      } catch (err) {
        return sendError(res, requestId, {
          status: 400,
          type: 'InvalidRequestContentException',
          message: `Could not parse request body into json: ${err instanceof Error ? err.message : String(err)}`,
        });
      }
    }
    const { pool } = found;
    const invokedArn = arnOf(pool.definition.name, found.qualifier);
    if (invocationType === 'DryRun') {
      res.writeHead(204, { 'x-amzn-requestid': requestId });
      return void res.end();
    }
    if (invocationType === 'Event') {
      pool.enqueueEvent(body, requestId);
      res.writeHead(202, { 'x-amzn-requestid': requestId, 'content-length': 0 });
      return void res.end();
    }
    const result = await pool.invoke(body, requestId, invokedArn);
    if (result.kind === 'throttled')
      return sendError(res, requestId, {
        status: 429,
        type: 'TooManyRequestsException',
        message: 'Rate Exceeded.',
        reason: result.reason,
      });
    let responseBody: string;
    let functionError: LambdaErrorPayload | undefined;
    if (result.outcome.kind === 'ok') {
      responseBody = result.outcome.payload;
      if (Buffer.byteLength(responseBody) > maxResponseBytes) {
        functionError = {
          errorType: 'Function.ResponseSizeTooLarge',
          errorMessage: `Response payload size exceeded maximum allowed payload size (${maxResponseBytes} bytes).`,
        };
      }
    } else {
      functionError = result.outcome.error;
      responseBody = '';
    }
    if (functionError) responseBody = JSON.stringify(functionError);
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(responseBody),
      'x-amz-executed-version': '$LATEST',
      'x-amzn-requestid': requestId,
    };
    if (functionError) headers['x-amz-function-error'] = 'Unhandled';
    if (logType === 'Tail') headers['x-amz-log-result'] = logTail(result.log);
    res.writeHead(200, headers);
    res.end(responseBody);
  }

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const invokeMatch = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/.exec(path);
    if (method === 'POST' && invokeMatch?.[1]) return invoke(req, res, invokeMatch[1], url);

    const requestId = randomUUID();
    await readBody(req, 0);
    if (method === 'GET' && (path === '/local/stats' || path === '/healthz'))
      return sendJson(res, requestId, 200, path === '/healthz' ? { ok: true } : settings.stats());
    if (method === 'GET' && /^\/2015-03-31\/functions\/?$/.test(path))
      return sendJson(res, requestId, 200, { Functions: [...settings.pools.values()].map(configuration) });
    const get = /^\/(2015-03-31|2019-09-30)\/functions\/([^/]+)(\/configuration|\/concurrency)?\/?$/.exec(
      path,
    );
    if (method === 'GET' && get?.[2]) {
      const found = resolve(get[2], url.searchParams.get('Qualifier'));
      if ('status' in found) return sendError(res, requestId, found);
      const reserved = found.pool.definition.reservedConcurrency;
      const concurrency = reserved === undefined ? {} : { ReservedConcurrentExecutions: reserved };
      if (get[1] === '2019-09-30' && get[3] === '/concurrency')
        return sendJson(res, requestId, 200, concurrency);
      if (get[1] === '2015-03-31' && get[3] === '/configuration')
        return sendJson(res, requestId, 200, configuration(found.pool));
      if (get[1] === '2015-03-31' && get[3] === undefined)
        return sendJson(res, requestId, 200, {
          Configuration: configuration(found.pool),
          Code: { RepositoryType: 'S3', Location: '' },
          Concurrency: concurrency,
        });
    }
    return sendError(res, requestId, {
      status: 404,
      type: 'UnknownOperationException',
      message: `the local Lambda does not implement ${method} ${path}`,
    });
  };
}
