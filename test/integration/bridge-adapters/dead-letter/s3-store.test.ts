import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3DeadLetterStore, type S3DeadLetterStore } from '#bridge/dead-letter/s3-store';
import { DeadLetterWriteError } from '#bridge/errors';
import { deadLetterRecordSchema } from '#shared/contract/dead-letter';
import { useServices } from '#test/harness/services';
import { deadLetterRecordFactory } from './records.ts';

const services = useServices();
let s3: S3Client;
let store: S3DeadLetterStore;
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
  store = createS3DeadLetterStore({ bucket: 'dead-letters', prefix: 'dl/', s3: s3Options });
});

afterAll(async () => {
  await store?.close();
  s3?.destroy();
});

async function getText(key: string): Promise<string> {
  const got = await s3.send(new GetObjectCommand({ Bucket: 'dead-letters', Key: key }));
  return (got.Body as { transformToString(): Promise<string> }).transformToString();
}

describe('createS3DeadLetterStore', () => {
  it('describes its destination', () => {
    expect(store.describe).toBe('s3://dead-letters/dl');
  });

  it('writes one JSON object per record at the contract key, body byte-exact', async () => {
    // Prepare: every byte value, so a lossy encoding anywhere would show.
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const records = [
      deadLetterRecordFactory({ id: 'aaaaaaaaaaaaaaa1', body: bytes.toString('base64') }),
      deadLetterRecordFactory({ id: 'aaaaaaaaaaaaaaa2', reasonKind: 'function', reason: 'invalid order' }),
    ];
    // Act
    await store.write(records);
    // Assess
    const first = records[0];
    if (!first) throw new Error('no record');
    const key = store.keyOf(first);
    expect(key).toBe('dl/orders/2026/11/27/1795741325678-aaaaaaaaaaaaaaa1.json');
    const stored = deadLetterRecordSchema.parse(JSON.parse(await getText(key)));
    expect(stored).toEqual(first);
    expect(Buffer.from(stored.body, 'base64').equals(bytes)).toBe(true);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'dead-letters', Key: key }));
    expect(head.ContentType).toBe('application/json');
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'dead-letters', Prefix: 'dl/orders/' }));
    expect(listed.Contents?.map((o) => o.Key).sort()).toEqual(records.map((r) => store.keyOf(r)).sort());
  });

  it('treats an object that already exists (a retried write) as written and does not overwrite it', async () => {
    const original = deadLetterRecordFactory({ id: 'bbbbbbbbbbbbbbb1', reason: 'first' });
    await store.write([original]);
    await store.write([{ ...original, reason: 'second' }]);
    expect(JSON.parse(await getText(store.keyOf(original))).reason).toBe('first');
  });

  it('overwrites with ifNoneMatch off (for stores without conditional writes)', async () => {
    const plain = createS3DeadLetterStore({
      bucket: 'dead-letters',
      prefix: 'dl/',
      s3: s3Options,
      ifNoneMatch: false,
    });
    const original = deadLetterRecordFactory({ id: 'bbbbbbbbbbbbbbb2', reason: 'first' });
    await plain.write([original]);
    await plain.write([{ ...original, reason: 'second' }]);
    expect(JSON.parse(await getText(plain.keyOf(original))).reason).toBe('second');
    await plain.close();
  });

  it('writes many records concurrently', async () => {
    const records = Array.from({ length: 50 }, (_, i) =>
      deadLetterRecordFactory({ id: `c${String(i).padStart(15, '0')}`, subscription: 'many' }),
    );
    await store.write(records);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'dead-letters', Prefix: 'dl/many/' }));
    expect(listed.KeyCount).toBe(50);
  });

  it('resolves at once for no records', async () => {
    await expect(store.write([])).resolves.toBeUndefined();
  });

  it('rejects with a clear error naming the ids when the bucket does not exist', async () => {
    const missing = createS3DeadLetterStore({ bucket: 'no-such-bucket', prefix: 'dl', s3: s3Options });
    try {
      const err = await missing.write([deadLetterRecordFactory({ id: 'ddddddddddddddd1' })]).catch((e) => e);
      expect(err).toBeInstanceOf(DeadLetterWriteError);
      expect((err as DeadLetterWriteError).ids).toEqual(['ddddddddddddddd1']);
      expect((err as Error).message).toMatch(
        /s3:\/\/no-such-bucket\/dl.*bucket "no-such-bucket" does not exist/,
      );
    } finally {
      await missing.close();
    }
  });

  it('rejects when the store is unreachable', async () => {
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const { port } = probe.address() as AddressInfo;
    await new Promise((r) => probe.close(r));
    const unreachable = createS3DeadLetterStore({
      bucket: 'dead-letters',
      prefix: 'dl',
      s3: { ...s3Options, endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1 },
    });
    try {
      const err = await unreachable.write([deadLetterRecordFactory()]).catch((e) => e);
      expect(err).toBeInstanceOf(DeadLetterWriteError);
      expect((err as Error).message).toMatch(/ECONNREFUSED|connect/i);
    } finally {
      await unreachable.close();
    }
  });

  it('fails only the records whose write failed, and reports all of them', async () => {
    // A key longer than S3's 1024-byte limit fails; the other record is still written.
    const tooLong = deadLetterRecordFactory({ id: 'x'.repeat(1_100), subscription: 'partial' });
    const fine = deadLetterRecordFactory({ id: 'eeeeeeeeeeeeeee1', subscription: 'partial' });
    const err = await store.write([tooLong, fine]).catch((e) => e);
    expect(err).toBeInstanceOf(DeadLetterWriteError);
    expect((err as DeadLetterWriteError).ids).toEqual([tooLong.id]);
    expect(JSON.parse(await getText(store.keyOf(fine))).id).toBe(fine.id);
  });
});
