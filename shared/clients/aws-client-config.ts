/**
 * The one way to configure an AWS SDK v3 client, for the bridge, the CLI, dev/ and handlers:
 *
 *   new S3Client({ ...awsClientConfig({ region, endpoint, requestTimeoutMs: 10_000 }), forcePathStyle: true })
 *
 * - Retries off by default (`maxAttempts: 1`): the queue is the retry mechanism. A failed call requeues
 *   the message with backoff instead of the SDK retrying inside a billed, time-limited invocation, and
 *   an Invoke retried by the SDK after a timeout or a reset could run the function twice.
 * - Explicit timeouts: `connectionTimeoutMs` bounds the TCP/TLS connect; `requestTimeoutMs` bounds one
 *   request and its response, and passing it fails the call with a TimeoutError
 *   (@smithy/node-http-handler only logs a warning for `requestTimeout` unless `throwOnRequestTimeout`
 *   is set, which this config always does, also for a per-call `client.send(cmd, { requestTimeout })`).
 * - Keep-alive agents (http and https) with an optional socket limit.
 * - Region, endpoint (MinIO, the local Lambda) and credentials when given; else the SDK's defaults
 *   (AWS_REGION, the default credential chain).
 *
 * One client per execution environment: `oncePerEnvironment` (handlers create clients on first use).
 */

import { Agent as HttpAgent } from 'node:http';
import { Agent } from 'node:https';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { OptionsError } from '#shared/errors';

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface AwsClientOptions {
  readonly region?: string;
  /** A custom endpoint (MinIO, the local Lambda). @default the regional endpoint */
  readonly endpoint?: string;
  /** @default the SDK's default credential chain */
  readonly credentials?: AwsCredentials;
  /** SDK attempts; 1 means no SDK retries. @default 1 */
  readonly maxAttempts?: number;
  /** TCP + TLS connect timeout. @default 3_000 */
  readonly connectionTimeoutMs?: number;
  /**
   * Total time for one request and its response; exceeding it fails the call with a TimeoutError.
   * 0: none for the client, each call sets its own (`client.send(cmd, { requestTimeout })`). @default 30_000
   */
  readonly requestTimeoutMs?: number;
  /**
   * Idle socket timeout. 0: none (a synchronous Lambda Invoke is silent until the function returns, so
   * any idle timeout below the function timeout would abort a healthy call). @default the SDK's
   */
  readonly socketTimeoutMs?: number;
  /** Sockets per origin (keep ≥ the calls made at once, or requests queue inside the agent). @default no limit */
  readonly maxSockets?: number;
  /** TCP keep-alive probe delay on idle sockets. @default 1_000 */
  readonly keepAliveMs?: number;
}

export interface AwsClientConfig {
  maxAttempts: number;
  requestHandler: NodeHttpHandler;
  region?: string;
  endpoint?: string;
  credentials?: AwsCredentials;
}

const MINIMUMS: Record<string, number> = {
  maxAttempts: 1,
  connectionTimeoutMs: 1,
  requestTimeoutMs: 0,
  socketTimeoutMs: 0,
  maxSockets: 1,
  keepAliveMs: 1,
};

/** Every problem of the numeric options, none for valid ones. */
export function awsClientOptionProblems(options: AwsClientOptions): string[] {
  const problems: string[] = [];
  for (const [name, min] of Object.entries(MINIMUMS)) {
    const value = (options as Record<string, unknown>)[name];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min)
      problems.push(`${name}: must be an integer ≥ ${min}, got ${String(value)}`);
  }
  return problems;
}

/**
 * The keep-alive agents (http and https) of every AWS client here, also used by the bridge's lean Lambda
 * invoker: TCP keep-alive probes after `keepAliveMs`, and `maxSockets` (when given) both as the limit and
 * as the idle sockets kept.
 */
export function keepAliveAgents(options: Pick<AwsClientOptions, 'maxSockets' | 'keepAliveMs'>): {
  httpAgent: HttpAgent;
  httpsAgent: Agent;
} {
  const agent = {
    keepAlive: true,
    keepAliveMsecs: options.keepAliveMs ?? 1_000,
    ...(options.maxSockets !== undefined && {
      maxSockets: options.maxSockets,
      maxFreeSockets: options.maxSockets,
    }),
  };
  return { httpAgent: new HttpAgent(agent), httpsAgent: new Agent(agent) };
}

/** The client config; throws an OptionsError listing every invalid option. */
export function awsClientConfig(options: AwsClientOptions = {}): AwsClientConfig {
  const problems = awsClientOptionProblems(options);
  if (problems.length > 0) throw new OptionsError('AWS client', problems);
  const requestTimeout = options.requestTimeoutMs ?? 30_000;
  const { httpAgent, httpsAgent } = keepAliveAgents(options);
  return {
    maxAttempts: options.maxAttempts ?? 1,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: options.connectionTimeoutMs ?? 3_000,
      ...(requestTimeout > 0 && { requestTimeout }),
      ...(options.socketTimeoutMs !== undefined && { socketTimeout: options.socketTimeoutMs }),
      throwOnRequestTimeout: true,
      httpAgent,
      httpsAgent,
    }),
    ...(options.region !== undefined && { region: options.region }),
    ...(options.endpoint !== undefined && { endpoint: options.endpoint }),
    ...(options.credentials !== undefined && { credentials: { ...options.credentials } }),
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
