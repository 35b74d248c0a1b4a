/**
 * How one invocation finishes, as aws-lambda-ric 3.x (the client nodejs22.x carries: CallbackContext.js and
 * Runtime.js) does it, so a handler sees the same `callback`, `context.done/succeed/fail` and the same answer:
 * - an async handler's promise settles → the answer is posted at once (`succeed`/`fail`);
 * - `callback(null, value)` waits for the event loop to empty first, unless
 *   `context.callbackWaitsForEmptyEventLoop = false`; `callback(err)` answers at once;
 * - a handler that returns something that is not a promise and never calls back is answered `null` once the
 *   event loop empties (its return value is ignored);
 * - only the first answer counts; `fail()` with no error fails with the string "handled".
 * "The event loop empties" is the process's `beforeExit` event; the worker unrefs its IPC channel while an
 * invocation runs so that event can fire (worker.ts).
 */
export type Callback = (err?: unknown, value?: unknown) => void;

export interface Completion {
  /** Post the result (serialises it; throws "Unable to stringify response body" as the client does). */
  readonly respond: (result: unknown) => void;
  /** Post an error value. */
  readonly fail: (err: unknown) => void;
  /** What to run when the event loop empties; undefined clears it. */
  readonly onEmptyLoop: (listener: (() => void) | undefined) => void;
}

export interface CallbackContext {
  callbackWaitsForEmptyEventLoop: boolean;
  succeed: (result?: unknown) => void;
  fail: (err?: unknown) => void;
  done: (err?: unknown, result?: unknown) => void;
}

/** Builds `[callback, callbackContext, markCompleted]` for one invocation. */
export function buildCallbackContext(completion: Completion): [Callback, CallbackContext, () => void] {
  let isCompleteInvoked = false;
  const complete = (result: unknown) => {
    if (isCompleteInvoked) {
      console.error(
        'Invocation has already been reported as done. Cannot call complete more than once per invocation.',
      );
      return;
    }
    isCompleteInvoked = true;
    completion.respond(result);
  };
  let waitForEmptyEventLoop = true;
  const callback: Callback = (err, result) => {
    completion.onEmptyLoop(undefined);
    if (err !== undefined && err !== null) completion.fail(err);
    else if (!waitForEmptyEventLoop) complete(result);
    else completion.onEmptyLoop(() => setImmediate(() => complete(result)));
  };
  const done = (err?: unknown, result?: unknown) => {
    completion.onEmptyLoop(undefined);
    if (err !== undefined && err !== null) completion.fail(err);
    else complete(result);
  };
  const context: CallbackContext = {
    get callbackWaitsForEmptyEventLoop() {
      return waitForEmptyEventLoop;
    },
    set callbackWaitsForEmptyEventLoop(value: boolean) {
      waitForEmptyEventLoop = value;
    },
    succeed: (result?: unknown) => done(null, result),
    fail: (err?: unknown) => (err === undefined || err === null ? done('handled') : done(err, null)),
    done,
  };
  // Only the first of callback/succeed/fail/done counts (a throwing one may be retried: `finished` is set after).
  let finished = false;
  const once =
    <A extends unknown[]>(fn: (...args: A) => void) =>
    (...args: A) => {
      if (!finished) {
        fn(...args);
        finished = true;
      }
    };
  context.succeed = once(context.succeed);
  context.fail = once(context.fail);
  context.done = once(context.done);
  return [
    once(callback),
    context,
    () => {
      isCompleteInvoked = true;
    },
  ];
}

/** The client's response serialisation (RAPIDClient.js `_trySerializeResponse`). */
export function serializeResponse(body: unknown): string {
  try {
    return JSON.stringify(body === undefined ? null : body);
  } catch {
    throw new Error('Unable to stringify response body');
  }
}
