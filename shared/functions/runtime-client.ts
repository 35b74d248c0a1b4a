/**
 * The AWS Node.js runtime interface client (npm `aws-lambda-ric`) that each Lambda Node runtime carries, and
 * the behaviour of that client the local Lambda (dev/local-lambda) follows. ONE table, keyed by the Lambda
 * runtime: dev/build-ric.sh installs `runtimeClient().ricVersion` for the RIE parity suite (test/parity),
 * and the local Lambda's worker follows the client's `major` version (dev/local-lambda/worker.ts).
 *
 * - nodejs22.x carries the 3.x client: callback-style handlers (`(event, context, callback)`) run, a
 *   non-async handler is answered `null` once the event loop empties, and an uncaught exception or unhandled
 *   rejection fails the running invocation with its own error (dev/local-lambda/callback-context.ts).
 * - nodejs24.x (the deployed runtime) carries the 4.x client: it refuses callback-style handlers at init with
 *   `Runtime.CallbackHandlerDeprecated`, answers with what the handler returns or throws (awaited, sync or
 *   async), installs no process-wide error handlers (an uncaught error ends the process: Runtime.ExitError),
 *   and adds `xRayTraceId` to the context (dev/local-lambda/buffered-invoke.ts; see docs/local-lambda.md).
 */
import { lambdaRuntime } from '#shared/functions/bundling';

export interface RuntimeClient {
  /** The exact npm `aws-lambda-ric` version the RIE parity suite runs. */
  readonly ricVersion: string;
  /** The client's major version, which decides how the local Lambda runs a handler (see the header). */
  readonly major: 3 | 4;
}

export const runtimeClients: Readonly<Record<string, RuntimeClient>> = {
  'nodejs22.x': { ricVersion: '3.3.0', major: 3 },
  'nodejs24.x': { ricVersion: '4.0.2', major: 4 },
};

/** The client of `runtime` (default: the runtime the project deploys). Throws for a runtime not in the table. */
export function runtimeClient(runtime: string = lambdaRuntime): RuntimeClient {
  const client = runtimeClients[runtime];
  if (!client) {
    throw new Error(
      `no aws-lambda-ric version is known for Lambda runtime ${JSON.stringify(runtime)}; add it to shared/functions/runtime-client.ts`,
    );
  }
  return client;
}
