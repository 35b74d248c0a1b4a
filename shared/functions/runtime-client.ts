/**
 * The AWS Node.js runtime interface client (npm `aws-lambda-ric`) that each Lambda Node runtime carries, and
 * the behaviour of that client the local Lambda (dev/local-lambda) follows. ONE table, keyed by the Lambda
 * runtime: dev/build-ric.sh installs `runtimeClient().ricVersion` for the RIE parity suite (test/parity),
 * and the local Lambda reads `callbackHandlers`. Moving `lambdaRuntime` to nodejs24.x switches both.
 *
 * - nodejs22.x carries the 3.x client: callback-style handlers (`(event, context, callback)`) run.
 * - nodejs24.x carries the 4.x client, which refuses callback-style handlers with
 *   `Runtime.CallbackHandlerDeprecated` (see docs/local-lambda.md).
 */
import { lambdaRuntime } from '#shared/functions/bundling';

export interface RuntimeClient {
  /** The exact npm `aws-lambda-ric` version the RIE parity suite runs. */
  readonly ricVersion: string;
  /** Whether a handler declaring a third `callback` parameter runs (true) or is refused (false). */
  readonly callbackHandlers: boolean;
}

export const runtimeClients: Readonly<Record<string, RuntimeClient>> = {
  'nodejs22.x': { ricVersion: '3.3.0', callbackHandlers: true },
  'nodejs24.x': { ricVersion: '4.0.2', callbackHandlers: false },
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
