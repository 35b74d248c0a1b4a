/**
 * Reads one Invoke reply (status, headers, body) the way @aws-sdk/client-lambda does (restJson1 through
 * @smithy/core and @aws-sdk/core, checked against 3.1164 / @smithy/core 3.41), so that invoke-outcome.ts
 * classifies the lean invoker's replies exactly as it classified the SDK's:
 *
 * - Below 300: the output. `FunctionError` is `X-Amz-Function-Error`, `Payload` the body (none when
 *   empty), the request id `x-amzn-requestid` (or `x-amzn-request-id`, `x-amz-request-id`).
 * - 300 and above: the error the SDK throws. Its name is the error code: the `x-amzn-errortype` header,
 *   else the body's `code` (any case), else its `__type`, else `Unknown`; cleaned as the SDK does (up to
 *   the first `,` and `:`, after a `#`). Its message is the body's `message`, else `Message`, else
 *   `UnknownError`. Every other body field is copied onto it (`Reason`, `retryAfterSeconds`, `code`...);
 *   a TooManyRequestsException takes `retryAfterSeconds` from `Retry-After` when that header is sent.
 *   `$metadata.httpStatusCode` is the status.
 * - An error body that is not JSON (a 502 or 503 HTML page from a proxy) gives the SyntaxError of
 *   JSON.parse, with the status, as the SDK does. The SDK appends a hint about a hidden `$response` field
 *   to its message; there is no such field here, so no hint.
 *
 * The test/differential suite runs both clients against the same replies and compares the results.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { InvokeOutput } from './invoke-outcome.ts';

export interface InvokeReply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** The SDK's `$metadata.requestId` (HttpProtocol.deserializeMetadata). */
function requestIdOf(headers: IncomingHttpHeaders): string | undefined {
  const value = headers['x-amzn-requestid'] ?? headers['x-amzn-request-id'] ?? headers['x-amz-request-id'];
  return typeof value === 'string' ? value : undefined;
}

/** A reply below 300, as the SDK's InvokeCommand output (only what classifyOutput reads). */
export function invokeOutputOf(reply: InvokeReply): InvokeOutput {
  const functionError = reply.headers['x-amz-function-error'];
  const requestId = requestIdOf(reply.headers);
  return {
    StatusCode: reply.status,
    ...(typeof functionError === 'string' ? { FunctionError: functionError } : {}),
    ...(reply.body.byteLength > 0 ? { Payload: reply.body } : {}),
    $metadata: requestId === undefined ? {} : { requestId },
  };
}

/** @smithy/core's sanitizeErrorCode. */
function sanitizeErrorCode(raw: unknown): string {
  let clean = typeof raw === 'number' ? raw.toString() : String(raw);
  if (clean.includes(',')) clean = clean.split(',')[0] ?? '';
  if (clean.includes(':')) clean = clean.split(':')[0] ?? '';
  if (clean.includes('#')) clean = clean.split('#')[1] ?? '';
  return clean;
}

/** @smithy/core's loadRestJsonErrorCode: header, then body `code` (any case), then `__type`. */
function errorCodeOf(headers: IncomingHttpHeaders, data: Record<string, unknown>): string | undefined {
  const header = headers['x-amzn-errortype'];
  if (header !== undefined) return sanitizeErrorCode(header);
  const codeKey = Object.keys(data).find((k) => k.toLowerCase() === 'code');
  if (codeKey !== undefined && data[codeKey] !== undefined) return sanitizeErrorCode(data[codeKey]);
  if (data.__type !== undefined) return sanitizeErrorCode(data.__type);
  return undefined;
}

type ServiceError = Error & Record<string, unknown>;

/** The error the SDK throws for a reply of 300 or more. */
export function serviceErrorOf(reply: InvokeReply): Error {
  const $metadata = { httpStatusCode: reply.status, requestId: requestIdOf(reply.headers) };
  const data: Record<string, unknown> = {};
  if (reply.body.byteLength > 0) {
    try {
      Object.assign(data, JSON.parse(reply.body.toString('utf8')));
    } catch (error) {
      return Object.assign(error as Error, { $metadata });
    }
  }
  const name = errorCodeOf(reply.headers, data) ?? 'Unknown';
  const error = new Error('') as ServiceError;
  error.name = name;
  error.$fault = reply.status < 500 ? 'client' : 'server';
  error.$metadata = $metadata;
  const retryAfter = reply.headers['retry-after'];
  if (name === 'TooManyRequestsException' && retryAfter !== undefined) error.retryAfterSeconds = retryAfter;
  // decorateServiceException: body fields fill what the error does not have yet.
  for (const [key, value] of Object.entries(data)) {
    if (value === undefined || key === '__proto__') continue;
    if (error[key] === undefined || error[key] === null || error[key] === '') error[key] = value;
  }
  error.message = (error.message || error.Message || 'UnknownError') as string;
  delete error.Message;
  return error;
}
