/**
 * Sends one batch through a Lambda Invoke endpoint (the local Lambda) with the real @aws-sdk/client-lambda
 * and reads each message's outcome from the response (shared/contract/batch-result.ts).
 */
import { InvokeCommand, type InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { awsClientConfig } from '#shared/clients/aws-client-config';
import type { NsqBatchEvent } from '#shared/contract/batch-event';
import { type ItemOutcome, parseBatchResult } from '#shared/contract/batch-result';
import { badInput, errorChain, isNetworkError, isTimeout, unavailable } from '../errors.ts';

export type InvokeReport =
  | {
      readonly kind: 'answered';
      readonly outcomes: readonly { readonly id: string; readonly outcome: ItemOutcome }[];
      readonly durationMs: number;
      readonly requestId?: string;
    }
  | {
      readonly kind: 'malformed';
      readonly problem: string;
      readonly durationMs: number;
      readonly requestId?: string;
    }
  | {
      readonly kind: 'functionError';
      readonly errorType: string;
      readonly errorMessage: string;
      readonly durationMs: number;
      readonly requestId?: string;
    };

export async function invokeBatch(options: {
  endpoint: string;
  functionName: string;
  event: NsqBatchEvent;
  /** The whole Invoke, response included; past it the call fails with a TimeoutError (never hangs). */
  timeoutMs: number;
  now?: () => number;
}): Promise<InvokeReport> {
  const now = options.now ?? Date.now;
  const client = new LambdaClient(
    awsClientConfig({
      endpoint: options.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      connectionTimeoutMs: 3_000,
      requestTimeoutMs: options.timeoutMs,
      maxAttempts: 1,
    }),
  );
  const started = now();
  try {
    let res: InvokeCommandOutput;
    try {
      res = await client.send(
        new InvokeCommand({
          FunctionName: options.functionName,
          InvocationType: 'RequestResponse',
          Payload: Buffer.from(JSON.stringify(options.event)),
        }),
      );
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (isTimeout(err)) {
        throw unavailable(
          `the Lambda at ${options.endpoint} did not answer the Invoke of ${options.functionName} within ${options.timeoutMs} ms (${errorChain(err)}); raise --timeout if the function needs longer`,
          err,
        );
      }
      if (isNetworkError(err)) {
        throw unavailable(
          `the local Lambda at ${options.endpoint} is unreachable; start it or drop --endpoint`,
          err,
        );
      }
      if (name === 'ResourceNotFoundException') {
        throw badInput(
          `the Lambda at ${options.endpoint} has no function ${JSON.stringify(options.functionName)}`,
          err,
        );
      }
      throw unavailable(
        `Invoke of ${options.functionName} failed: ${name ?? 'Error'}: ${errorChain(err)}`,
        err,
      );
    }
    const durationMs = now() - started;
    const requestId = res.$metadata.requestId;
    const text = res.Payload ? Buffer.from(res.Payload).toString('utf8') : '';
    return reportOf(text, res.FunctionError, options.event, durationMs, requestId);
  } finally {
    client.destroy();
  }
}

/** The report for one answer: the payload text and X-Amz-Function-Error (undefined or '' for none). */
export function reportOf(
  text: string,
  functionError: string | undefined,
  event: NsqBatchEvent,
  durationMs: number,
  requestId?: string,
): InvokeReport {
  const ids = { ...(requestId ? { requestId } : {}) };
  if (functionError) {
    let errorType = functionError;
    let errorMessage = text;
    try {
      const e = JSON.parse(text) as { errorType?: string; errorMessage?: string };
      errorType = e.errorType ?? errorType;
      errorMessage = e.errorMessage ?? text;
    } catch {
      // not JSON: keep the raw text
    }
    return { kind: 'functionError', errorType, errorMessage, durationMs, ...ids };
  }
  const messageIds = event.messages.map((m) => m.id);
  const parsed = parseBatchResult(text, messageIds);
  if (!parsed.ok) return { kind: 'malformed', problem: parsed.problem, durationMs, ...ids };
  return {
    kind: 'answered',
    outcomes: messageIds.map((id) => ({ id, outcome: parsed.outcomes.get(id) ?? { kind: 'finish' } })),
    durationMs,
    ...ids,
  };
}
