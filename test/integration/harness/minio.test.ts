import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { useServices } from '#test/harness/services';

const services = useServices();

describe('real S3-compatible server (MinIO)', () => {
  it('stores and returns objects byte-exact through @aws-sdk/client-s3', async () => {
    const minio = await services.minio();
    const s3 = new S3Client({
      endpoint: minio.endpoint,
      region: minio.region,
      forcePathStyle: true,
      credentials: { accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey },
      maxAttempts: 1,
    });
    try {
      await s3.send(new CreateBucketCommand({ Bucket: 'dead-letters' }));
      const body = Buffer.from([0, 1, 2, 250, 251, 10]);
      await s3.send(new PutObjectCommand({ Bucket: 'dead-letters', Key: 'a/b.bin', Body: body }));
      const got = await s3.send(new GetObjectCommand({ Bucket: 'dead-letters', Key: 'a/b.bin' }));
      const bytes = Buffer.from(
        await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
      );
      expect(bytes.equals(body)).toBe(true);
    } finally {
      s3.destroy();
    }
  });
});
