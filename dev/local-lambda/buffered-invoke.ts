/**
 * How one invocation runs under aws-lambda-ric 4.x (the client nodejs24.x carries: runtime/
 * buffered-invoke-processor.js, lifecycle-manager.js, context/context-builder.js), so a handler sees the same
 * `context` and gives the same answer:
 * - the handler is called with `(event, context)` and awaited: what it returns (sync or async) is the answer,
 *   what it throws or rejects with is the error; either is posted after a `setImmediate`;
 * - a handler declaring a third (`callback`) parameter is refused at init (Runtime.CallbackHandlerDeprecated);
 * - a result JSON.stringify refuses fails with Runtime.JSONStringifyError "Unable to stringify response body";
 * - nothing waits for the event loop: a promise that never settles with nothing else scheduled lets the
 *   process end (exit status 0), and the client installs no uncaughtException/unhandledRejection handlers, so
 *   an error outside the handler's promise ends the process (Node's exit status 1). Both are Runtime.ExitError.
 * test/parity holds this to the real client under RIE.
 */
import type { InvokeContextFields } from './protocol.ts';

/** The 4.x client's refusal of a callback-style handler on Node.js 24 (constants.js CALLBACK_ERROR_NODEJS24_ABOVE). */
export const callbackRefusalMessage =
  'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.';

/** The client's errors set their name after construction, as these do (the stack's first line shows it). */
export class CallbackHandlerDeprecatedError extends Error {
  constructor(message = callbackRefusalMessage) {
    super(message);
    this.name = 'Runtime.CallbackHandlerDeprecated';
  }
}

export class JSONStringifyError extends Error {
  constructor(message = 'Unable to stringify response body') {
    super(message);
    this.name = 'Runtime.JSONStringifyError';
  }
}

/** callback-deprecation.js: three or more declared parameters (a streaming handler would be exempt; none runs here). */
export function refusesHandler(handler: { readonly length: number }): boolean {
  return handler.length >= 3;
}

/** The client's response serialisation (utils/serialize.js `serializeToJSON`). */
export function serializeResponseV4(value: unknown): string {
  try {
    return JSON.stringify(value === undefined ? null : value);
  } catch {
    throw new JSONStringifyError('Unable to stringify response body');
  }
}

/**
 * The client's context (ContextBuilder.build): the invocation's fields, then the environment's, in this
 * order. `clientContext`, `identity` and `tenantId` come from optional headers the local Lambda never gets.
 */
export function buildContextV4(fields: InvokeContextFields) {
  const { deadlineMs } = fields;
  return {
    clientContext: undefined,
    identity: undefined,
    invokedFunctionArn: fields.invokedFunctionArn,
    awsRequestId: fields.awsRequestId,
    tenantId: undefined,
    xRayTraceId: fields.xRayTraceId,
    getRemainingTimeInMillis: () => deadlineMs - Date.now(),
    functionName: fields.functionName,
    functionVersion: fields.functionVersion,
    memoryLimitInMB: fields.memoryLimitInMB,
    logGroupName: fields.logGroupName,
    logStreamName: fields.logStreamName,
  };
}

export interface InvokeAnswer {
  /** Post the JSON text of the result. */
  readonly succeed: (payload: string) => void;
  /** Log "Invoke Error" and post the error. */
  readonly fail: (err: unknown) => void;
}

type Handler = (event: unknown, context: unknown) => unknown;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The client calls the handler as a method of this class: stack frames read `BufferedInvokeProcessor.handler`. */
export class BufferedInvokeProcessor {
  constructor(readonly handler: Handler) {}

  async processInvoke(event: unknown, context: unknown, answer: InvokeAnswer): Promise<void> {
    try {
      const result = await this.handler(event, context);
      await nextTurn();
      answer.succeed(serializeResponseV4(result));
    } catch (err) {
      await nextTurn();
      answer.fail(err);
    }
  }
}
