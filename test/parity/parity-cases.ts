/**
 * The events the RIE parity suite sends to both runtimes (test/fixtures/parity), with whether Lambda reports
 * them as a function error (the INVOKE API layer: 200 + `X-Amz-Function-Error: Unhandled`). Each row is one
 * behaviour of the runtime interface client; the comment says what it checks. Where the deployed runtime's
 * client (shared/functions/runtime-client.ts: 4.x on nodejs24.x, 3.x on nodejs22.x) decides, the row says so.
 */
import { runtimeClient } from '#shared/functions/runtime-client';

/** The 4.x client refuses callback-style handlers, and lets a process with an empty event loop end. */
const v4 = runtimeClient().major >= 4;

export interface ParityCase {
  readonly fn: 'cases' | 'callback-style' | 'sync-return' | 'init-error' | 'no-export';
  readonly event: { readonly case: string; readonly [key: string]: unknown };
  readonly fails: boolean;
}

export const parityCases: readonly ParityCase[] = [
  // A normal batch answer and partial failures.
  { fn: 'cases', event: { case: 'batch' }, fails: false },
  { fn: 'cases', event: { case: 'batch', failIds: ['m1', 'm3'] }, fails: false },
  {
    fn: 'cases',
    event: { case: 'echo', nested: { ü: 'ünïcödé', n: 1.5e300, list: [null, true] } },
    fails: false,
  },
  // undefined is answered as null; a string result is JSON text.
  { fn: 'cases', event: { case: 'undefined' }, fails: false },
  { fn: 'cases', event: { case: 'string' }, fails: false },
  // Thrown values: an Error, an Error subclass, a string, a plain object, a number, null.
  { fn: 'cases', event: { case: 'throw-error' }, fails: true },
  { fn: 'cases', event: { case: 'throw-custom' }, fails: true },
  { fn: 'cases', event: { case: 'throw-string' }, fails: true },
  { fn: 'cases', event: { case: 'throw-object' }, fails: true },
  { fn: 'cases', event: { case: 'throw-number' }, fails: true },
  { fn: 'cases', event: { case: 'throw-null' }, fails: true },
  // A promise that rejects later.
  { fn: 'cases', event: { case: 'reject' }, fails: true },
  // An unhandled rejection and an uncaught exception while the handler runs (the process then exits).
  { fn: 'cases', event: { case: 'unhandled-during' }, fails: true },
  { fn: 'cases', event: { case: 'uncaught-during' }, fails: true },
  // Results JSON.stringify refuses.
  { fn: 'cases', event: { case: 'bigint' }, fails: true },
  { fn: 'cases', event: { case: 'circular' }, fails: true },
  // A promise that never settles with an empty event loop: 3.x answers null at once; under 4.x the process
  // ends (Runtime.ExitError "Runtime exited without providing a reason").
  { fn: 'cases', event: { case: 'pending-empty-loop' }, fails: v4 },
  // Callback-style handlers: 3.x runs them (callback, the wait for the empty loop, context methods); 4.x
  // refuses every one at init with Runtime.CallbackHandlerDeprecated.
  { fn: 'callback-style', event: { case: 'ok' }, fails: v4 },
  { fn: 'callback-style', event: { case: 'ok-waits-for-loop' }, fails: v4 },
  { fn: 'callback-style', event: { case: 'ok-no-wait' }, fails: v4 },
  { fn: 'callback-style', event: { case: 'error' }, fails: true },
  { fn: 'callback-style', event: { case: 'string-error' }, fails: true },
  { fn: 'callback-style', event: { case: 'twice' }, fails: v4 },
  { fn: 'callback-style', event: { case: 'succeed' }, fails: v4 },
  { fn: 'callback-style', event: { case: 'fail' }, fails: true },
  { fn: 'callback-style', event: { case: 'fail-empty' }, fails: true },
  { fn: 'callback-style', event: { case: 'done' }, fails: v4 },
  { fn: 'callback-style', event: { case: 'throw' }, fails: true },
  { fn: 'callback-style', event: { case: 'never' }, fails: v4 },
  // A non-async handler's return value: 3.x ignores it (null once the loop empties); 4.x answers with it.
  { fn: 'sync-return', event: { case: 'ok' }, fails: false },
  { fn: 'sync-return', event: { case: 'throw' }, fails: true },
  // Init errors: the module throws while it loads; the handler export is missing. Each invocation re-inits.
  { fn: 'init-error', event: { case: 'init' }, fails: true },
  { fn: 'init-error', event: { case: 'init again' }, fails: true },
  { fn: 'no-export', event: { case: 'init' }, fails: true },
];
