/** The only way the app makes buckets: encrypted, private, TLS-only, owner-enforced, with lifecycle rules. */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

export interface SecureBucketProps {
  /** Expiry rules; every bucket also aborts incomplete multipart uploads after a day. */
  readonly lifecycleRules?: readonly s3.LifecycleRule[];
  /**
   * Where S3 writes server access logs.
   * @default - no access logs (only for the access-log bucket itself)
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
  readonly serverAccessLogsPrefix?: string;
  /**
   * @default RemovalPolicy.RETAIN - dead letters and data outlive the stack
   */
  readonly removalPolicy?: RemovalPolicy;
}

export function secureBucket(scope: Construct, id: string, props: SecureBucketProps = {}): s3.Bucket {
  return new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    ...(props.serverAccessLogsBucket && {
      serverAccessLogsBucket: props.serverAccessLogsBucket,
      serverAccessLogsPrefix: props.serverAccessLogsPrefix ?? `${id}/`,
    }),
    lifecycleRules: [
      { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ...(props.lifecycleRules ?? []),
    ],
  });
}
