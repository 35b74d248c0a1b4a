/**
 * AWS SDK clients for expensive calls (the source article's boto advice): one attempt (the queue is
 * the retry mechanism: a failed call requeues the message with backoff, instead of the SDK retrying
 * inside a billed, time-limited invocation), explicit connection and request timeouts, and one
 * client per execution environment (created on first use, reused by later invocations).
 */

import { Agent as HttpAgent } from 'node:http';
import { Agent } from 'node:https';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export interface ExpensiveCallOptions {
  /** TCP + TLS connect timeout. @default 3_000 */
  readonly connectionTimeoutMs?: number;
  /**
   * Total time for one request and its response; exceeding it fails the call with a TimeoutError.
   * (@smithy/node-http-handler only logs a warning for `requestTimeout` unless
   * `throwOnRequestTimeout` is set, which this config does.) @default 30_000
   */
  readonly requestTimeoutMs?: number;
  /** SDK attempts; 1 means no SDK retries. @default 1 */
  readonly maxAttempts?: number;
  readonly region?: string;
  /** A custom endpoint (MinIO, a local server). */
  readonly endpoint?: string;
}

export interface ExpensiveCallClientConfig {
  maxAttempts: number;
  requestHandler: NodeHttpHandler;
  region?: string;
  endpoint?: string;
}

export function expensiveCallClientConfig(options: ExpensiveCallOptions = {}): ExpensiveCallClientConfig {
  const connectionTimeout = options.connectionTimeoutMs ?? 3_000;
  const requestTimeout = options.requestTimeoutMs ?? 30_000;
  const maxAttempts = options.maxAttempts ?? 1;
  for (const [name, value] of Object.entries({ connectionTimeout, requestTimeout, maxAttempts })) {
    if (!Number.isInteger(value) || value < 1)
      throw new RangeError(`${name} must be an integer ≥ 1, got ${value}`);
  }
  return {
    maxAttempts,
    requestHandler: new NodeHttpHandler({
      connectionTimeout,
      requestTimeout,
      throwOnRequestTimeout: true,
      httpAgent: new HttpAgent({ keepAlive: true }),
      httpsAgent: new Agent({ keepAlive: true }),
    }),
    ...(options.region !== undefined && { region: options.region }),
    ...(options.endpoint !== undefined && { endpoint: options.endpoint }),
  };
}

const environmentClients = new Map<string, unknown>();

/**
 * Returns the value created under `key` in this execution environment, creating it on first use.
 * Use a key that includes everything the client depends on (e.g. endpoint and region).
 */
export function oncePerEnvironment<T>(key: string, create: () => T): T {
  if (environmentClients.has(key)) return environmentClients.get(key) as T;
  const value = create();
  environmentClients.set(key, value);
  return value;
}

/** For tests: forget every cached client. */
export function clearEnvironmentClients(): void {
  environmentClients.clear();
}
