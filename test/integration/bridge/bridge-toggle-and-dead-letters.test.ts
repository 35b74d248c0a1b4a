import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { createS3DeadLetterStore } from '#bridge/dead-letter/s3-store';
import { toggleKey } from '#shared/toggle/keys';
import { UpstashToggleReader } from '#shared/toggle/toggle-reader';
import { readyCount, waitChannelSettled } from '#test/harness/nsq-channel';
import { useServices, waitFor, waitStable } from '#test/harness/services';
import { useLocalUpstash } from '#test/harness/upstash';
import { eventOf, type Started, startBridge, waitChannelIdle } from './bridge-harness.ts';

const services = useServices();
const upstash = useLocalUpstash();
let current: Started | undefined;
afterEach(async () => {
  await current?.stop();
  current = undefined;
});

describe('remote toggle (Upstash) and dead letters (S3 on MinIO)', () => {
  it('a stopped toggle pauses consumption (RDY 0); started resumes and the backlog is processed', async () => {
    const fixture = await upstash.start();
    const redis = fixture.client();
    const nsqd = await services.nsqd();
    const processed: string[] = [];
    let openGate: () => void = () => {};
    const gate = new Promise<void>((r) => {
      openGate = r;
    });
    current = await startBridge(
      nsqd,
      async (call) => {
        const bodies = eventOf(call.payload).messages.map((m) => Buffer.from(m.body, 'base64').toString());
        // Hold the backlog's invocation (no FIN yet) so the RDY window after the resume can be observed.
        if (bodies.some((b) => b.startsWith('while stopped'))) await gate;
        processed.push(...bodies);
        return { body: null };
      },
      { toggle: { policy: 'requeue', requeueDelayMs: 100, failMode: 'open' } },
      { toggles: { pollIntervalMs: 200 } },
      { toggles: new UpstashToggleReader({ redis: fixture.client(), cacheTtlMs: 0 }) },
    );
    const { topic, channel } = current;
    await waitFor(() => current?.bridge.status.ready, { what: 'connected' });
    await nsqd.http.publish(topic, 'while started');
    await waitFor(() => processed.length === 1, { what: 'first message' });

    await redis.set(toggleKey('it-fn'), 'stopped');
    // RDY 0 across toggle polls (every 200 ms), not at one look.
    await waitStable(async () => (await readyCount(nsqd, topic, channel)) === 0, {
      what: 'RDY 0',
      quietMs: 500,
      timeoutMs: 10_000,
    });
    await nsqd.http.publishMany(topic, ['while stopped 1', 'while stopped 2']);
    // Give a running bridge every chance to take them: nothing may be invoked while stopped.
    const kept = await waitChannelSettled(
      nsqd,
      topic,
      channel,
      (s) => s.depth === 2 && s.in_flight_count === 0 && processed.length === 1,
      { what: 'backlog kept', quietMs: 600 },
    );
    expect(kept.depth).toBe(2);
    expect(processed).toEqual(['while started']);

    await redis.set(toggleKey('it-fn'), 'started');
    // Resumed at the full RDY window, not nsqjs's one-message trial (TRY_ONE) that waits for a FIN.
    await waitFor(async () => ((await readyCount(nsqd, topic, channel)) ?? 0) > 1, {
      what: 'RDY back to the window',
      timeoutMs: 10_000,
    });
    openGate();
    await waitFor(() => processed.length === 3, { what: 'backlog processed after start', timeoutMs: 10_000 });
    await waitChannelIdle(nsqd, topic, channel);
    expect(processed.slice(1).sort()).toEqual(['while stopped 1', 'while stopped 2']);
  });

  it('maxAttempts reaches the S3 dead-letter store with full context, written before the FIN', async () => {
    const minio = await services.minio();
    const nsqd = await services.nsqd();
    const store = createS3DeadLetterStore({
      bucket: 'dead-letters',
      prefix: 'dl',
      s3: {
        region: minio.region,
        endpoint: minio.endpoint,
        credentials: { accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey },
      },
    });
    const { S3Client } = await import('@aws-sdk/client-s3');
    const s3 = new S3Client({
      region: minio.region,
      endpoint: minio.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey },
    });
    await s3.send(new CreateBucketCommand({ Bucket: 'dead-letters' }));
    const body = Buffer.from([0xde, 0xad, 0x00, 0xbe, 0xef, 0x0a]);
    current = await startBridge(
      nsqd,
      () => ({
        functionError: 'Unhandled',
        body: { errorType: 'Runtime.ExitError', errorMessage: 'exited with signal SIGKILL' },
      }),
      { maxMessages: 1, maxAttempts: 2 },
      {},
      { deadLetters: store },
    );
    await nsqd.http.publish(current.topic, body);
    const stats = await waitChannelIdle(nsqd, current.topic, current.channel);
    expect(stats.requeue_count).toBe(1);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'dead-letters', Prefix: 'dl/it/' }));
    expect(listed.Contents).toHaveLength(1);
    const got = await s3.send(
      new GetObjectCommand({ Bucket: 'dead-letters', Key: listed.Contents?.[0]?.Key }),
    );
    const record = JSON.parse(
      await (got.Body as { transformToString(): Promise<string> }).transformToString(),
    );
    expect(record).toMatchObject({
      version: 1,
      subscription: 'it',
      topic: current.topic,
      channel: 'bridge',
      functionName: 'it-fn',
      attempts: 2,
      reasonKind: 'maxAttempts',
      lastError: { type: 'Runtime.ExitError', message: 'exited with signal SIGKILL' },
      nsqdAddress: nsqd.tcpAddress,
    });
    expect(Buffer.from(record.body, 'base64').equals(body)).toBe(true);
    expect(record.deadLetteredAtMs).toBeGreaterThanOrEqual(record.receivedAtMs);
    expect(record.receivedAtMs).toBeGreaterThanOrEqual(record.publishedAtMs);
    s3.destroy();
    await store.close();
  });

  it('a failing dead-letter write requeues the message instead of losing it', async () => {
    const minio = await services.minio();
    const nsqd = await services.nsqd();
    const store = createS3DeadLetterStore({
      bucket: 'no-such-bucket',
      prefix: 'dl',
      s3: {
        region: minio.region,
        endpoint: minio.endpoint,
        credentials: { accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey },
        maxAttempts: 1,
      },
    });
    current = await startBridge(
      nsqd,
      () => ({ functionError: 'Unhandled', body: { errorType: 'E', errorMessage: 'x' } }),
      { maxMessages: 1, maxAttempts: 1 },
      {},
      { deadLetters: store },
    );
    const failures: string[][] = [];
    current.events.on('dead_letter_failed', (e) => failures.push([...e.ids]));
    await nsqd.http.publish(current.topic, 'keep me');
    await waitFor(() => failures.length >= 2, { what: 'two failed dead-letter writes', timeoutMs: 20_000 });
    const stats = await nsqd.http.channelStats(current.topic, current.channel);
    expect(
      (stats?.requeue_count ?? 0) +
        (stats?.in_flight_count ?? 0) +
        (stats?.deferred_count ?? 0) +
        (stats?.depth ?? 0),
    ).toBeGreaterThan(0);
    expect(stats?.message_count).toBe(1);
    await store.close();
  });
});
