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
