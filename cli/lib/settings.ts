/**
 * Where the CLI finds the services: flags first, then environment variables, then local defaults.
 * Secrets (the Upstash token, AWS keys) come only from the environment, never from flags.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { awsClientConfig } from '#shared/clients/aws-client-config';
import { badInput } from '../errors.ts';

type Env = Readonly<Record<string, string | undefined>>;

export const ENV = {
  nsqdHttp: 'NSQD_HTTP_ADDRESS',
  nsqdTcp: 'NSQD_TCP_ADDRESS',
  lookupdHttp: 'NSQLOOKUPD_HTTP_ADDRESS',
  deadLetterTopic: 'DEAD_LETTER_TOPIC',
  bucket: 'DEAD_LETTER_BUCKET',
  prefix: 'DEAD_LETTER_PREFIX',
  s3Endpoint: 'S3_ENDPOINT',
  metricsUrl: 'BRIDGE_METRICS_URL',
  upstashUrl: 'UPSTASH_REDIS_REST_URL',
  upstashToken: 'UPSTASH_REDIS_REST_TOKEN',
  lambdaEndpoint: 'LOCAL_LAMBDA_ENDPOINT',
} as const;

export const DEFAULT_NSQD_HTTP = '127.0.0.1:4151';
export const DEFAULT_NSQD_TCP = '127.0.0.1:4150';
export const DEFAULT_DEAD_LETTER_PREFIX = 'dead-letters';
/** Time one S3 request may take (`--timeout`); a request with no answer by then fails with a TimeoutError. */
export const DEFAULT_S3_REQUEST_TIMEOUT_MS = 30_000;
/** S3 attempts per call: one retry, so a call gives up after at most twice the request timeout. */
export const S3_MAX_ATTEMPTS = 2;

export function nsqdHttpAddress(flag: string | undefined, env: Env): string {
  return flag ?? env[ENV.nsqdHttp] ?? DEFAULT_NSQD_HTTP;
}

export interface S3Location {
  readonly bucket: string;
  readonly prefix: string;
  readonly endpoint: string | undefined;
  readonly region: string;
  /** Per S3 request. */
  readonly requestTimeoutMs: number;
}

export function s3Location(
  flags: { bucket?: string; prefix?: string; s3Endpoint?: string; timeoutMs?: number },
  env: Env,
): S3Location {
  const bucket = flags.bucket ?? env[ENV.bucket];
  if (!bucket) {
    throw badInput(`no dead-letter bucket: pass --bucket <name> or set ${ENV.bucket}`);
  }
  return {
    bucket,
    prefix: (flags.prefix ?? env[ENV.prefix] ?? DEFAULT_DEAD_LETTER_PREFIX).replace(/\/+$/, ''),
    endpoint: flags.s3Endpoint ?? env[ENV.s3Endpoint] ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL,
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    requestTimeoutMs: flags.timeoutMs ?? DEFAULT_S3_REQUEST_TIMEOUT_MS,
  };
}

/**
 * An S3 client for an operator tool: one retry, explicit timeouts so an unreachable endpoint fails in
 * seconds and a server that never answers fails after the request timeout (the shared client config
 * sets `throwOnRequestTimeout`: without it the SDK only logs a warning and the CLI would hang), path-style
 * addressing for a custom endpoint (MinIO). Credentials from the default chain.
 */
export function createS3Client(location: S3Location, env: Env): S3Client {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  return new S3Client({
    ...awsClientConfig({
      region: location.region,
      ...(location.endpoint ? { endpoint: location.endpoint } : {}),
      ...(accessKeyId && secretAccessKey
        ? {
            credentials: {
              accessKeyId,
              secretAccessKey,
              ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
            },
          }
        : {}),
      connectionTimeoutMs: 3_000,
      requestTimeoutMs: location.requestTimeoutMs,
      maxAttempts: S3_MAX_ATTEMPTS,
    }),
    ...(location.endpoint ? { forcePathStyle: true } : {}),
  });
}

export interface UpstashSettings {
  readonly url: string;
  readonly token: string;
}

export function upstashSettings(flagUrl: string | undefined, env: Env): UpstashSettings {
  const url = flagUrl ?? env[ENV.upstashUrl];
  const token = env[ENV.upstashToken];
  const missing = [!url && ENV.upstashUrl, !token && ENV.upstashToken].filter(Boolean);
  if (missing.length > 0 || !url || !token) {
    throw badInput(
      `the toggle store is not configured: set ${missing.join(' and ')} (the Upstash REST endpoint; locally: dev/local-upstash)`,
    );
  }
  return { url, token };
}
