/**
 * The ClaimCheckStore on S3 (MinIO locally): a body goes to `<prefix><sha256 of the body>` in the
 * bucket, and the pointer that names it comes back once S3 confirmed the PUT. S3 checks the bytes it
 * received against the SHA-256 sent with them (x-amz-checksum-sha256), the same digest the pointer
 * carries, so an object under a claim-check key always holds exactly the body the key names.
 *
 * The same body stored twice writes the same object (no `If-None-Match`: the second PUT refreshes the
 * object's age, so the bucket's expiry rule counts from the last delivery that needed it).
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  claimCheckEntryBytes,
  DEFAULT_CLAIM_CHECK_PREFIX,
  normalizeClaimCheckPrefix,
} from '#shared/contract/claim-check';
import { claimCheckPointer } from '#shared/contract/claim-check-digest';
import { createS3Client, describeS3Error, type S3ConnectionOptions } from '../dead-letter/s3-store.ts';
import type { ClaimCheckStore } from '../ports.ts';

export interface S3ClaimCheckStoreOptions {
  readonly bucket: string;
  /** @default DEFAULT_CLAIM_CHECK_PREFIX ('claim-checks/') */
  readonly prefix?: string;
  /** An existing client (closed by the caller), or `s3` settings for one owned by the store. */
  readonly client?: S3Client;
  readonly s3?: S3ConnectionOptions;
}

export interface S3ClaimCheckStore extends ClaimCheckStore {
  close(): Promise<void>;
}

export function createS3ClaimCheckStore(options: S3ClaimCheckStoreOptions): S3ClaimCheckStore {
  const { bucket } = options;
  const prefix = normalizeClaimCheckPrefix(options.prefix ?? DEFAULT_CLAIM_CHECK_PREFIX);
  if (!options.client && !options.s3)
    throw new TypeError('createS3ClaimCheckStore needs `client` or `s3` options');
  const owned = options.client === undefined;
  const client = options.client ?? createS3Client(options.s3 as S3ConnectionOptions);
  return {
    describe: `s3://${bucket}/${prefix}`,
    pointerEntryBytes: (sizeBytes) => claimCheckEntryBytes(bucket, prefix, sizeBytes),
    async put(body, signal) {
      const pointer = claimCheckPointer(bucket, prefix, body);
      try {
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: pointer.key,
            Body: body,
            ContentLength: body.byteLength,
            ContentType: 'application/octet-stream',
            ChecksumSHA256: Buffer.from(pointer.sha256, 'hex').toString('base64'),
          }),
          signal ? { abortSignal: signal } : {},
        );
      } catch (err) {
        throw new Error(`claim check s3://${bucket}/${pointer.key}: ${describeS3Error(err, bucket)}`, {
          cause: err,
        });
      }
      return pointer;
    },
    async close() {
      if (owned) client.destroy();
    },
  };
}
