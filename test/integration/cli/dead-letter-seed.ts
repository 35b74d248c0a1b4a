/**
 * Writes dead-letter records to a bucket with the bridge's own S3 dead-letter store.
 */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { createS3DeadLetterStore } from '#bridge/dead-letter/s3-store';
import type { MinioServer } from '#dev/services/minio';
import type { DeadLetterRecord } from '#shared/contract/dead-letter';
import { waitFor } from '#test/harness/services';

export function s3For(minio: MinioServer): S3Client {
  return new S3Client({
    endpoint: minio.endpoint,
    region: minio.region,
    forcePathStyle: true,
    credentials: { accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey },
    maxAttempts: 1,
  });
}

export function s3Env(minio: MinioServer, bucket: string, prefix = 'dead-letters'): Record<string, string> {
  return {
    S3_ENDPOINT: minio.endpoint,
    AWS_REGION: minio.region,
    AWS_ACCESS_KEY_ID: minio.accessKeyId,
    AWS_SECRET_ACCESS_KEY: minio.secretAccessKey,
    DEAD_LETTER_BUCKET: bucket,
    DEAD_LETTER_PREFIX: prefix,
  };
}

let seq = 0;

export function record(overrides: Partial<DeadLetterRecord> & { bodyBytes?: Uint8Array }): DeadLetterRecord {
  const { bodyBytes, ...rest } = overrides;
  seq++;
  const id = rest.id ?? `0000000000${String(seq).padStart(6, '0')}`;
  return {
    version: 1,
    id,
    subscription: 'orders',
    topic: 'orders',
    channel: 'lambda',
    functionName: 'orders',
    body: Buffer.from(bodyBytes ?? Buffer.from(`{"n":${seq}}`)).toString('base64'),
    attempts: 5,
    reasonKind: 'maxAttempts',
    reason: 'attempts reached 5',
    nsqdAddress: '127.0.0.1:4150',
    publishedAtMs: 1_790_000_000_000,
    receivedAtMs: 1_790_000_000_100,
    deadLetteredAtMs: 1_790_000_000_000 + seq * 1000,
    ...rest,
  };
}

export async function seed(
  s3: S3Client,
  bucket: string,
  records: readonly DeadLetterRecord[],
  prefix = 'dead-letters',
): Promise<string[]> {
  // MinIO can report ready on /minio/health/ready a moment before its S3 API serves
  // (XMinioServerNotInitialized): retry that, and only that.
  await waitFor(
    async () => {
      try {
        await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      } catch (err) {
        const name = (err as { name?: string }).name;
        if (name === 'XMinioServerNotInitialized') return false;
        if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw err;
      }
      return true;
    },
    { what: `bucket ${bucket}`, timeoutMs: 30_000, intervalMs: 100 },
  );
  const store = createS3DeadLetterStore({ client: s3, bucket, prefix });
  await store.write(records);
  return records.map((r) => store.keyOf(r));
}
