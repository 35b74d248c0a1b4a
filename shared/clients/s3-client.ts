/** The S3 client for handlers: retries off, timeouts tuned, one per execution environment. */
import { S3Client } from '@aws-sdk/client-s3';
import { type AwsClientOptions, awsClientConfig, oncePerEnvironment } from './aws-client-config.ts';

export interface S3ClientOptions extends AwsClientOptions {
  /** Path-style URLs (needed for MinIO). @default true when `endpoint` is set */
  readonly forcePathStyle?: boolean;
}

export function s3ClientForHandlers(options: S3ClientOptions = {}): S3Client {
  const key = `s3|${JSON.stringify({ ...options, credentials: options.credentials?.accessKeyId })}`;
  return oncePerEnvironment(
    key,
    () =>
      new S3Client({
        ...awsClientConfig(options),
        forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
      }),
  );
}
