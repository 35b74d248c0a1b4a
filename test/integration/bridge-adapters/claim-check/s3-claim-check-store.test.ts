import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3ClaimCheckStore, type S3ClaimCheckStore } from '#bridge/claim-check/s3-claim-check-store';
import { claimCheckPointerSchema } from '#shared/contract/claim-check';
import { sha256Hex } from '#shared/contract/claim-check-digest';
import { useServices } from '#test/harness/services';

const services = useServices();
let s3: S3Client;
let store: S3ClaimCheckStore;
let s3Options: {
  region: string;
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
};

beforeAll(async () => {
  const minio = await services.minio();
  s3Options = {
    region: minio.region,
    endpoint: minio.endpoint,
    credentials: { accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey },
  };
  s3 = new S3Client({ ...s3Options, forcePathStyle: true, maxAttempts: 1 });
  await s3.send(new CreateBucketCommand({ Bucket: 'dead-letters' }));
  store = createS3ClaimCheckStore({ bucket: 'dead-letters', s3: s3Options });
});

afterAll(async () => {
  await store?.close();
  s3?.destroy();
});

async function getBytes(key: string): Promise<Buffer> {
  const got = await s3.send(new GetObjectCommand({ Bucket: 'dead-letters', Key: key }));
  return Buffer.from(
    await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
  );
}

describe('createS3ClaimCheckStore', () => {
  it('describes its destination under the reserved prefix', () => {
    expect(store.describe).toBe('s3://dead-letters/claim-checks/');
  });

  it('stores a binary body byte-exact at claim-checks/<sha256> and returns its pointer', async () => {
    // Prepare: 3 MB of random bytes, every byte value likely present.
    const body = randomBytes(3 * 1024 * 1024);

    // Act
    const pointer = await store.put(body);

    // Assess
    expect(claimCheckPointerSchema.parse(pointer)).toEqual({
      version: 1,
      bucket: 'dead-letters',
      key: `claim-checks/${sha256Hex(body)}`,
      sizeBytes: body.length,
      sha256: sha256Hex(body),
    });
    expect((await getBytes(pointer.key)).equals(body)).toBe(true);
    expect(store.pointerEntryBytes(body.length)).toBe(
      Buffer.byteLength(`,"claimCheck":${JSON.stringify(pointer)}`),
    );
  });

  it('stores the same body twice as one object (content-addressed), refreshing it', async () => {
    // Prepare
    const body = Buffer.from(`same body ${Date.now()}`);
    const first = await store.put(body);
    const before = await s3.send(new HeadObjectCommand({ Bucket: 'dead-letters', Key: first.key }));

    // Act
    const second = await store.put(Buffer.from(body));

    // Assess
    expect(second).toEqual(first);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'dead-letters', Prefix: first.key }));
    expect(listed.KeyCount).toBe(1);
    const after = await s3.send(new HeadObjectCommand({ Bucket: 'dead-letters', Key: first.key }));
    expect(after.LastModified?.getTime()).toBeGreaterThanOrEqual(before.LastModified?.getTime() ?? 0);
  });

  it('rejects with the bucket and key when the bucket does not exist', async () => {
    const missing = createS3ClaimCheckStore({ bucket: 'no-such-bucket', prefix: 'cc', s3: s3Options });
    try {
      await expect(missing.put(Buffer.from('x'))).rejects.toThrow(
        /claim check s3:\/\/no-such-bucket\/cc\/[0-9a-f]{64}: bucket "no-such-bucket" does not exist/,
      );
    } finally {
      await missing.close();
    }
  });

  it('rejects, never resolves a pointer, when S3 is unreachable', async () => {
    // Prepare: a port that accepts and closes every connection (S3 down mid-request).
    const server: Server = createServer((socket) => socket.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const down = createS3ClaimCheckStore({
      bucket: 'dead-letters',
      s3: { ...s3Options, endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1 },
    });
    try {
      // Act + Assess
      await expect(down.put(Buffer.from('y'))).rejects.toThrow(
        /^claim check s3:\/\/dead-letters\/claim-checks\//,
      );
    } finally {
      await down.close();
      await new Promise((r) => server.close(r));
    }
  });
});
