/**
 * Testing helpers for handler authors, exported by `#shared/handler`: contract-valid batch events and
 * a Lambda-like context, to call a handler directly in a test (docs/writing-a-handler.md, "Test it").
 *
 *   const event = batchEvent([{ url: 'https://example.com' }], { subscription: 'my-fn' });
 *   const result = await handler(event, lambdaContext());
 */
import { randomBytes } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { encodeBody, type NsqBatchEvent, type NsqEventMessage } from '#shared/contract/batch-event';

/** One message as the bridge sends it: `body` is a string, bytes, or any JSON value (stringified). */
export function eventMessage(body: unknown, overrides: Partial<NsqEventMessage> = {}): NsqEventMessage {
  const text = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
  return {
    id: randomBytes(8).toString('hex'),
    body: encodeBody(text),
    attempts: 1,
    timestampMs: Date.now(),
    topic: 'orders',
    channel: 'worker',
    nsqdAddress: '127.0.0.1:4150',
    ...overrides,
  };
}

/** A batch event with one message per body; `overrides` replaces any field (e.g. `subscription`). */
export function batchEvent(
  bodies: readonly unknown[],
  overrides: Partial<NsqBatchEvent> = {},
): NsqBatchEvent {
  return {
    version: 1,
    source: 'nsq-lambda',
    batchId: randomBytes(8).toString('hex'),
    subscription: 'test-fn',
    messages: bodies.map((b) => eventMessage(b)),
    ...overrides,
  };
}

/** A context whose remaining time counts down from `timeoutMs`, like Lambda's. */
export function lambdaContext(timeoutMs = 30_000, functionName = 'test-fn'): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomBytes(8).toString('hex'),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
