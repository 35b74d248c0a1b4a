/** The S3 client for handlers: retries off, timeouts tuned, one per execution environment. */
import { S3Client } from '@aws-sdk/client-s3';
import {
  type ExpensiveCallOptions,
  expensiveCallClientConfig,
  oncePerEnvironment,
} from './aws-client-config.ts';

export interface S3ClientOptions extends ExpensiveCallOptions {
  /** Path-style URLs (needed for MinIO). @default true when `endpoint` is set */
  readonly forcePathStyle?: boolean;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

export function s3ClientForHandlers(options: S3ClientOptions = {}): S3Client {
  const key = `s3|${options.endpoint ?? ''}|${options.region ?? ''}|${options.credentials?.accessKeyId ?? ''}|${options.connectionTimeoutMs ?? ''}|${options.requestTimeoutMs ?? ''}|${options.maxAttempts ?? ''}`;
  return oncePerEnvironment(
    key,
    () =>
      new S3Client({
        ...expensiveCallClientConfig(options),
        forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
        ...(options.credentials && { credentials: { ...options.credentials } }),
      }),
  );
}
