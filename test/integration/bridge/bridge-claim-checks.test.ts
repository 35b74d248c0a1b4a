/**
 * Claim checks end to end with real services: nsqd (with --max-msg-size 8 MB), the bridge process, MinIO
 * and the local Lambda running a handler-kit function. A 7 MB binary body travels byte-exact through
 * MinIO; a batch mixes claim-checked and inline bodies; a MinIO outage while storing loses nothing and
 * spends no attempt.
 */
import { createHash, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { startLocalLambda } from '#dev/local-lambda/server';
import { MinioServer } from '#dev/services/minio';
import { freePort } from '#dev/services/ports';
import { startBridgeProcess } from '#dev/up/bridge-process';
import { bridgeConfigFromDefinitions } from '#shared/config/bridge-config';
import { loadFunction } from '#shared/functions/loader';
import { waitChannelIdle } from '#test/harness/nsq-channel';
import { useServices, waitFor } from '#test/harness/services';

const services = useServices();
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

const fixtures = fileURLToPath(new URL('../../fixtures/functions-claim-check', import.meta.url));
const MAX_MSG_SIZE = 8 * 1024 * 1024;

/** A body whose first 32 bytes are the SHA-256 of the rest: the handler checks it byte for byte. */
function selfVerifying(bytes: number): Buffer {
  const rest = randomBytes(bytes - 32);
  return Buffer.concat([createHash('sha256').update(rest).digest(), rest]);
}

interface Seen {
  seen: string;
  bytes: number;
  claimChecked: boolean;
  attempts: number;
  batchId: string;
  ok: boolean;
}

async function setUp(minio: MinioServer, claimCheckEndpoint = minio.endpoint) {
  const nsqd = await services.nsqd({ args: [`--max-msg-size=${MAX_MSG_SIZE}`] });
  const s3 = new S3Client({
    region: minio.region,
    endpoint: minio.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey },
  });
  cleanups.push(async () => s3.destroy());
  await s3.send(new CreateBucketCommand({ Bucket: 'claims' }));
  const fn = await loadFunction('claim-check-verify', fixtures);
  const seen: Seen[] = [];
  const lambda = await startLocalLambda({
    functions: [fn],
    functionEnvironment: () => ({
      AWS_ACCESS_KEY_ID: minio.accessKeyId,
      AWS_SECRET_ACCESS_KEY: minio.secretAccessKey,
      S3_ENDPOINT: claimCheckEndpoint,
    }),
    log: (line) => {
      const json = line.slice(line.indexOf('{'));
      if (json.includes('"seen"')) seen.push(JSON.parse(json) as Seen);
    },
  });
  cleanups.push(() => lambda.close());
  const { topic, channel } = fn.definition.subscriptions[0] as { topic: string; channel: string };
  await nsqd.http.createTopic(topic);
  await nsqd.http.createChannel(topic, channel);
  const config = bridgeConfigFromDefinitions([fn], {
    nsqdTcpAddresses: [nsqd.tcpAddress],
    lambda: { region: 'us-east-1', endpoint: lambda.endpoint },
    deadLetter: { kind: 'nsq', topic: 'dead-letters', nsqdHttpAddresses: [nsqd.httpAddress] },
    claimCheck: {
      bucket: 'claims',
      thresholdBytes: 256 * 1024,
      endpoint: claimCheckEndpoint,
      region: minio.region,
    },
    http: { port: await freePort() },
    drain: { deadlineMs: 10_000 },
  });
  const start = async (sub: Record<string, unknown> = {}) => {
    const bridge = await startBridgeProcess({
      config: {
        ...config,
        subscriptions: config.subscriptions.map((s) => ({ ...s, maxWaitMs: 500, ...sub })),
      },
      env: {
        AWS_ACCESS_KEY_ID: minio.accessKeyId,
        AWS_SECRET_ACCESS_KEY: minio.secretAccessKey,
        LOG_LEVEL: 'warn',
      },
    });
    cleanups.push(() => bridge.stop(5_000));
    return bridge;
  };
  return { nsqd, s3, seen, topic, channel, start };
}

describe('claim checks through nsqd, the bridge, MinIO and the local Lambda', () => {
  it('delivers a 7 MB binary body byte-exact, in a batch mixing claim-checked and inline bodies', async () => {
    // Prepare: one 7 MB body (over Lambda's 6 MB Invoke limit), one 300 KB body (over the 256 KB
    // threshold) and three small ones, all published before the bridge starts so they batch together.
    const minio = await services.minio();
    const { nsqd, s3, seen, topic, channel, start } = await setUp(minio);
    const big = selfVerifying(7 * 1024 * 1024);
    const medium = selfVerifying(300 * 1024);
    const small = [selfVerifying(64), selfVerifying(1_000), selfVerifying(10_000)];
    await nsqd.http.publishMany(topic, small);
    await nsqd.http.publish(topic, medium);
    await nsqd.http.publish(topic, big);

    // Act
    const bridge = await start();

    // Assess: every message finished by the handler, which found each body intact.
    const stats = await waitChannelIdle(nsqd, topic, channel, 60_000);
    expect(stats).toMatchObject({ message_count: 5, requeue_count: 0, timeout_count: 0 });
    expect(seen.map((s) => s.ok)).toEqual([true, true, true, true, true]);
    expect(seen.map((s) => [s.bytes, s.claimChecked]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([
      [64, false],
      [1_000, false],
      [10_000, false],
      [300 * 1024, true],
      [7 * 1024 * 1024, true],
    ]);
    const byBatch = new Map<string, Set<boolean>>();
    for (const s of seen) byBatch.set(s.batchId, (byBatch.get(s.batchId) ?? new Set()).add(s.claimChecked));
    expect([...byBatch.values()].some((kinds) => kinds.size === 2)).toBe(true);
    // The body sits in MinIO under its content address.
    const key = `claim-checks/${createHash('sha256').update(big).digest('hex')}`;
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'claims', Key: key }));
    expect(head.ContentLength).toBe(big.length);
    const metrics = await (await fetch(`${bridge.httpUrl}/metrics`)).text();
    expect(metrics).not.toMatch(/nsq_lambda_messages_dead_lettered_total\{[^}]*\} [1-9]/);
    expect(metrics).toMatch(/nsq_lambda_claim_checks_stored_total\{subscription="claim-check-verify"\} 2\n/);
    expect((await bridge.stop(15_000)).code).toBe(0);
  });

  it('requeues without spending an attempt while MinIO is down, and delivers once it is back', async () => {
    // Prepare: a MinIO the bridge stores to, stopped before the message arrives; maxAttempts 2, so a
    // spent attempt per failed store would dead-letter the message after two of them.
    const port = await freePort();
    let outage = await MinioServer.start({ port });
    const minio = await services.minio();
    const { nsqd, seen, topic, channel, start } = await setUp(minio, outage.endpoint);
    await outage.dispose();
    const bridge = await start({
      maxAttempts: 2,
      requeue: { baseDelayMs: 100, maxDelayMs: 200, jitter: 'none' },
    });
    const body = selfVerifying(7 * 1024 * 1024);

    // Act: publish during the outage; let the store fail at least three times; bring MinIO back.
    await nsqd.http.publish(topic, body);
    const failedStores = async () => {
      const text = await (await fetch(`${bridge.httpUrl}/metrics`)).text();
      const m = /nsq_lambda_messages_requeued_total\{[^}]*reason="claim check failed"[^}]*\} (\d+)/.exec(
        text,
      );
      return Number(m?.[1] ?? 0);
    };
    await waitFor(async () => (await failedStores()) >= 3, {
      what: 'three failed stores',
      timeoutMs: 30_000,
    });
    outage = await MinioServer.start({
      port,
      accessKeyId: minio.accessKeyId,
      secretAccessKey: minio.secretAccessKey,
    });
    cleanups.push(() => outage.dispose());
    const back = new S3Client({
      region: outage.region,
      endpoint: outage.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: outage.accessKeyId, secretAccessKey: outage.secretAccessKey },
    });
    await back.send(new CreateBucketCommand({ Bucket: 'claims' }));
    back.destroy();

    // Assess: finished by the handler, intact, on what counts as its first attempt; nothing dead-lettered.
    await waitFor(() => seen.length > 0, { what: 'the handler sees the message', timeoutMs: 30_000 });
    const stats = await waitChannelIdle(nsqd, topic, channel, 30_000);
    expect(stats.message_count).toBe(1);
    expect(stats.requeue_count).toBeGreaterThanOrEqual(3);
    expect(seen).toEqual([
      expect.objectContaining({ bytes: body.length, claimChecked: true, ok: true, attempts: 1 }),
    ]);
    const dead = ((await nsqd.http.stats({ topic: 'dead-letters' })).topics ?? []).find(
      (t) => t.topic_name === 'dead-letters',
    );
    expect(dead?.message_count ?? 0).toBe(0);
    expect((await bridge.stop(15_000)).code).toBe(0);
  });
});
