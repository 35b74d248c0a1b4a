/**
 * The default DeadLetterStore: one JSON object per dead letter in S3 (MinIO locally), at
 * `deadLetterKey(prefix, record)`. `write` resolves only once every object is stored; the engine
 * FINishes the messages after that, and REQueues them when it rejects.
 *
 * Objects are written with `If-None-Match: *`: a key is `<deadLetteredAtMs>-<id>`, so a 412 on an
 * SDK retry means our earlier attempt already stored it (success), and an older dead letter is never
 * overwritten.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type AwsCredentials, awsClientConfig } from '#shared/clients/aws-client-config';
import { forEachWithConcurrency } from '#shared/concurrency';
import { type DeadLetterRecord, deadLetterKey } from '#shared/contract/dead-letter';
import { type DeadLetterFailure, DeadLetterWriteError } from '../errors.ts';
import type { DeadLetterStore } from '../ports.ts';

export interface S3ConnectionOptions {
  readonly region: string;
  /** An S3-compatible endpoint (MinIO); path-style addressing is used when set. */
  readonly endpoint?: string;
  /** @default the SDK's default credential chain */
  readonly credentials?: AwsCredentials;
  /** @default 3 (the SDK retries throttles and 5xx; PUTs are idempotent thanks to If-None-Match) */
  readonly maxAttempts?: number;
  /** @default 3_000 */
  readonly connectionTimeoutMs?: number;
  /** Total time for one PUT attempt. @default 10_000 */
  readonly requestTimeoutMs?: number;
}

export interface S3DeadLetterStoreOptions {
  readonly bucket: string;
  /** Key prefix, e.g. `dead-letters`. */
  readonly prefix: string;
  /** An existing client (closed by the caller), or `s3` settings for one owned by the store. */
  readonly client?: S3Client;
  readonly s3?: S3ConnectionOptions;
  /** PUTs in flight at once per write. @default 16 */
  readonly concurrency?: number;
  /**
   * Send `If-None-Match: *` (S3 since 2024, MinIO). Turn off only for an S3-compatible store that
   * rejects conditional writes. @default true
   */
  readonly ifNoneMatch?: boolean;
}

export interface S3DeadLetterStore extends DeadLetterStore {
  /** The key a record is (or will be) stored at. */
  keyOf(record: DeadLetterRecord): string;
  close(): Promise<void>;
}

/** Builds an S3 client with explicit timeouts and a modest retry budget. */
export function createS3Client(options: S3ConnectionOptions): S3Client {
  return new S3Client({
    ...awsClientConfig({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      maxAttempts: options.maxAttempts ?? 3,
      maxSockets: 32,
      connectionTimeoutMs: options.connectionTimeoutMs ?? 3_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
    }),
    ...(options.endpoint ? { forcePathStyle: true } : {}),
  });
}

/** A short, specific description of an S3 failure (missing bucket, access denied, status). */
export function describeS3Error(err: unknown, bucket: string): string {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  if (e?.name === 'NoSuchBucket') return `bucket "${bucket}" does not exist`;
  if (e?.name === 'AccessDenied' || e?.$metadata?.httpStatusCode === 403)
    return `access denied to bucket "${bucket}" (${e.message ?? e.name})`;
  const status = e?.$metadata?.httpStatusCode;
  return `${e?.name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}: ${e?.message ?? String(err)}`;
}

export function createS3DeadLetterStore(options: S3DeadLetterStoreOptions): S3DeadLetterStore {
  const { bucket } = options;
  const prefix = options.prefix.replace(/^\/+|\/+$/g, '');
  if (!options.client && !options.s3)
    throw new TypeError('createS3DeadLetterStore needs `client` or `s3` options');
  const owned = options.client === undefined;
  const client = options.client ?? createS3Client(options.s3 as S3ConnectionOptions);
  const keyOf = (record: DeadLetterRecord) => deadLetterKey(prefix, record);
  const describe = `s3://${bucket}/${prefix}`;
  const ifNoneMatch = options.ifNoneMatch ?? true;
  const concurrency = options.concurrency ?? 16;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new RangeError(`concurrency must be an integer ≥ 1, got ${concurrency}`);

  async function put(record: DeadLetterRecord): Promise<void> {
    const key = keyOf(record);
    try {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: JSON.stringify(record),
          ContentType: 'application/json',
          ...(ifNoneMatch ? { IfNoneMatch: '*' } : {}),
          Metadata: { 'nsq-message-id': record.id, subscription: record.subscription },
        }),
      );
    } catch (err) {
      // Already there: an earlier attempt of ours succeeded (same id, same dead-letter time).
      if ((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412) return;
      throw new Error(`s3://${bucket}/${key}: ${describeS3Error(err, bucket)}`, { cause: err });
    }
  }

  return {
    describe,
    keyOf,
    async write(records) {
      const failures: DeadLetterFailure[] = [];
      await forEachWithConcurrency(records, concurrency, async (record) => {
        try {
          await put(record);
        } catch (err) {
          failures.push({ id: record.id, error: err instanceof Error ? err : new Error(String(err)) });
        }
      });
      if (failures.length > 0) throw new DeadLetterWriteError(describe, failures);
    },
    async close() {
      if (owned) client.destroy();
    },
  };
}
