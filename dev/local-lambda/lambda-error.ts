import { types } from 'node:util';
import type { LambdaErrorPayload } from './protocol.ts';

/** aws-lambda-ric's test for an error-like value: non-empty string name, message and stack. */
function isErrorLike(value: unknown): value is { name: string; message: string; stack: string } {
  if (value === null || typeof value !== 'object') return false;
  const { name, message, stack } = value as Record<string, unknown>;
  return (
    typeof name === 'string' &&
    name !== '' &&
    typeof message === 'string' &&
    message !== '' &&
    typeof stack === 'string' &&
    stack !== ''
  );
}

/**
 * The payload aws-lambda-ric 3.x (the runtime interface client nodejs22.x carries; Errors.js `toRapidResponse`)
 * makes of a thrown or rejected value: `{errorType, errorMessage, trace}` with the stack lines as `trace` and
 * no other field. A value that is not an error gets `typeof` as its type and `toString()` as its message
 * (`{}` → "object", "[object Object]"). DEL characters are escaped as the client does. The parity suite
 * (test/parity) holds this to the real client.
 */
export function toLambdaError(value: unknown): LambdaErrorPayload {
  try {
    if (types.isNativeError(value) || isErrorLike(value)) {
      const error = value as Error;
      return {
        errorType: error.name?.replace(/\x7F/g, '%7F'),
        errorMessage: error.message?.replace(/\x7F/g, '%7F'),
        trace: (error.stack as string).replace(/\x7F/g, '%7F').split('\n'),
      };
    }
    return { errorType: typeof value, errorMessage: (value as { toString(): string }).toString(), trace: [] };
  } catch {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
    };
  }
}

/**
 * The payload aws-lambda-ric 4.x (the client nodejs24.x carries; utils/error.js `formatError`) makes of a thrown
 * or rejected value. Unlike 3.x, only an `instanceof Error` counts as an error (an error-like object is a
 * plain "object"), a value's message is `String(value)` (so `null` is "null", not a failure), and an error
 * without a stack has an empty `trace`.
 */
export function toLambdaErrorV4(value: unknown): LambdaErrorPayload {
  try {
    if (value instanceof Error) {
      return {
        errorType: value.name?.replaceAll('\x7F', '%7F'),
        errorMessage: value.message?.replaceAll('\x7F', '%7F'),
        trace: value.stack?.replaceAll('\x7F', '%7F').split('\n') ?? [],
      };
    }
    return { errorType: typeof value, errorMessage: String(value), trace: [] };
  } catch {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
      trace: [],
    };
  }
}

/** aws-lambda-ric's wrapper for an unhandled rejection (Errors.js `UnhandledPromiseRejection`). */
export class UnhandledPromiseRejection extends Error {
  constructor(
    readonly reason: unknown,
    readonly promise?: unknown,
  ) {
    super(reason as string);
  }
}
UnhandledPromiseRejection.prototype.name = 'Runtime.UnhandledPromiseRejection';
