import { randomBytes } from 'node:crypto';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { CreateBucketCommand, DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3ClaimCheckStore, type S3ClaimCheckStore } from '#bridge/claim-check/s3-claim-check-store';
import type { ClaimCheckPointer } from '#shared/contract/claim-check';
import {
  batchEvent,
  type ClaimCheckReader,
  lambdaContext,
  nsqHandler,
  eventMessage as nsqMessage,
  s3ClaimCheckReader,
} from '#shared/handler';
import { useServices } from '#test/harness/services';

process.env.POWERTOOLS_DEV = 'true';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

const services = useServices();
let s3: S3Client;
let store: S3ClaimCheckStore;

beforeAll(async () => {
  const minio = await services.minio();
  const options = {
    region: minio.region,
    endpoint: minio.endpoint,
    credentials: { accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey },
  };
  s3 = new S3Client({ ...options, forcePathStyle: true, maxAttempts: 1 });
  await s3.send(new CreateBucketCommand({ Bucket: 'claims' }));
  store = createS3ClaimCheckStore({ bucket: 'claims', s3: options });
});

afterAll(async () => {
  await store?.close();
  s3?.destroy();
});

/** The real S3 reader, counting its GETs. */
function countingReader(inner: ClaimCheckReader): ClaimCheckReader & { gets: ClaimCheckPointer[] } {
  const gets: ClaimCheckPointer[] = [];
  return {
    gets,
    get: (pointer, signal) => {
      gets.push(pointer);
      return inner.get(pointer, signal);
    },
  };
}

function claimChecked(pointer: ClaimCheckPointer) {
  return nsqMessage('', { body: '', claimCheck: pointer });
}

describe('the handler kit resolves claim checks', () => {
  it('gives the handler exactly the original bytes, with one GET per claim-checked message', async () => {
    // Prepare: two stored bodies and one inline body in one batch.
    const big = randomBytes(2 * 1024 * 1024);
    const other = randomBytes(1024);
    const reader = countingReader(s3ClaimCheckReader(s3));
    const seen = new Map<string, Buffer>();
    const handler = nsqHandler({
      body: 'bytes',
      claimChecks: reader,
      concurrency: 3,
      handle: async (message) => {
        seen.set(message.id, message.body);
        return undefined;
      },
    });
    const event = batchEvent([]);
    event.messages.push(
      claimChecked(await store.put(big)),
      nsqMessage(Buffer.from('inline')),
      claimChecked(await store.put(other)),
    );
    const [bigId, inlineId, otherId] = event.messages.map((m) => m.id) as [string, string, string];

    // Act
    const result = await handler(event, lambdaContext());

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(seen.get(bigId)?.equals(big)).toBe(true);
    expect(seen.get(inlineId)?.toString()).toBe('inline');
    expect(seen.get(otherId)?.equals(other)).toBe(true);
    expect(reader.gets.map((p) => p.sizeBytes).sort((a, b) => a - b)).toEqual([1024, 2 * 1024 * 1024]);
  });

  it('reads claim-checked JSON through the declared body schema', async () => {
    const pointer = await store.put(Buffer.from(JSON.stringify({ greeting: 'hello' })));
    const got: unknown[] = [];
    const handler = nsqHandler({
      body: 'json',
      claimChecks: s3ClaimCheckReader(s3),
      handle: async (m) => {
        got.push(m.body);
        return undefined;
      },
    });
    const event = batchEvent([]);
    event.messages.push(claimChecked(pointer));
    await handler(event, lambdaContext());
    expect(got).toEqual([{ greeting: 'hello' }]);
  });

  it('dead-letters a message whose object is gone, and requeues one S3 could not serve', async () => {
    // Prepare: one pointer to a deleted object; a second reader at a closed endpoint.
    const gone = await store.put(Buffer.from(`gone ${Date.now()}`));
    await s3.send(new DeleteObjectCommand({ Bucket: 'claims', Key: gone.key }));
    let calls = 0;
    const handler = nsqHandler({
      body: 'bytes',
      claimChecks: s3ClaimCheckReader(s3),
      handle: async () => {
        calls++;
        return undefined;
      },
    });
    const server: Server = createServer((socket) => socket.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const down = new S3Client({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      forcePathStyle: true,
      maxAttempts: 1,
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
    const handlerDown = nsqHandler({
      body: 'bytes',
      claimChecks: s3ClaimCheckReader(down),
      handle: async () => undefined,
    });
    const stored = await store.put(Buffer.from('fine'));
    try {
      // Act
      const goneEvent = batchEvent([]);
      goneEvent.messages.push(claimChecked(gone));
      const goneResult = await handler(goneEvent, lambdaContext());
      const downEvent = batchEvent([]);
      downEvent.messages.push(claimChecked(stored));
      const downResult = await handlerDown(downEvent, lambdaContext());

      // Assess
      expect(calls).toBe(0);
      expect(goneResult.batchItemFailures).toEqual([
        {
          itemIdentifier: goneEvent.messages[0]?.id,
          action: 'deadLetter',
          reason: expect.stringMatching(/^claim check s3:\/\/claims\/claim-checks\/[0-9a-f]{64} is gone/),
        },
      ]);
      expect(downResult.batchItemFailures).toEqual([
        {
          itemIdentifier: downEvent.messages[0]?.id,
          reason: expect.stringMatching(/^claim check s3:\/\/claims\/.* could not be read/),
        },
      ]);
    } finally {
      down.destroy();
      await new Promise((r) => server.close(r));
    }
  });

  it('dead-letters bytes that do not match the pointer', async () => {
    const stored = await store.put(Buffer.from('the real body'));
    const handler = nsqHandler({
      body: 'bytes',
      claimChecks: s3ClaimCheckReader(s3),
      handle: async () => undefined,
    });
    const event = batchEvent([]);
    event.messages.push(claimChecked({ ...stored, sizeBytes: stored.sizeBytes + 1 }));
    const result = await handler(event, lambdaContext());
    expect(result.batchItemFailures).toEqual([
      expect.objectContaining({ action: 'deadLetter', reason: expect.stringMatching(/the pointer says 14/) }),
    ]);
  });
});
