/**
 * Every error dev/ (the local stand-ins and `npm start`) throws on purpose, in one place. Each takes a
 * cause where there is one and carries its context as readonly fields.
 */
import { listProblems } from '#shared/errors';

/** `npm start` cannot bring the local stack up; `problems` lists every reason found. */
export class StackError extends Error {
  override readonly name = 'StackError';
  constructor(
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(listProblems('cannot start the local stack', problems), options);
  }
}

/** A request the local Upstash endpoint refuses; `status` is the HTTP status it answers with. */
export class RequestError extends Error {
  override readonly name = 'RequestError';
  constructor(
    readonly status: number,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * aws-lambda-ric's wrapper for an unhandled rejection (Errors.js `UnhandledPromiseRejection`), for the
 * local Lambda. The reason is also the cause (the stack, and so the error payload, does not show it).
 */
export class UnhandledPromiseRejection extends Error {
  constructor(
    readonly reason: unknown,
    readonly promise?: unknown,
  ) {
    super(reason as string, { cause: reason });
  }
}
UnhandledPromiseRejection.prototype.name = 'Runtime.UnhandledPromiseRejection';

/** The 4.x client's refusal of a callback-style handler on Node.js 24 (constants.js CALLBACK_ERROR_NODEJS24_ABOVE). */
export const callbackRefusalMessage =
  'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.';

// aws-lambda-ric 4.x's errors set their name after construction, as these do (the stack's first line shows it).

/** aws-lambda-ric 4.x refusing a handler that declares a callback parameter (Runtime.CallbackHandlerDeprecated). */
export class CallbackHandlerDeprecatedError extends Error {
  constructor(message = callbackRefusalMessage, options?: ErrorOptions) {
    super(message, options);
    this.name = 'Runtime.CallbackHandlerDeprecated';
  }
}

/** aws-lambda-ric 4.x failing to JSON.stringify a handler's result; the cause is JSON.stringify's error. */
export class JSONStringifyError extends Error {
  constructor(message = 'Unable to stringify response body', options?: ErrorOptions) {
    super(message, options);
    this.name = 'Runtime.JSONStringifyError';
  }
}
