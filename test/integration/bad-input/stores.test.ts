/**
 * The bridge's and the handlers' stores misconfigured (docs/faults.md):
 * - a wrong Upstash token: every toggle read is 'unknown' and the fail mode decides (open: consume;
 *   closed: pause, nothing lost), dedupe applies its own fail mode; the endpoint's 401 is covered in
 *   test/integration/upstash/local-upstash.test.ts;
 * - a missing S3 bucket for the dead letters: the write fails, the message is requeued (never
 *   FINished without its record), and it is dead-lettered once the bucket exists. The store's own
 *   error is covered in test/integration/bridge-adapters/dead-letter/s3-store.test.ts.
 */
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Redis } from '@upstash/redis';
import { describe, expect, it } from 'vitest';
import { createBridge } from '#bridge/bridge';
import { createS3DeadLetterStore } from '#bridge/dead-letter/s3-store';
import { BridgeEventEmitter } from '#bridge/events';
import { createLambdaInvoker } from '#bridge/lambda/lambda-invoker';
import type { DeadLetterStore, ToggleReader } from '#bridge/ports';
import { parseBridgeConfig } from '#shared/config/bridge-config';
import { deadLetterRecordSchema } from '#shared/contract/dead-letter';
import { batchEvent, lambdaContext, nsqHandler } from '#shared/handler';
import { dedupe } from '#shared/middleware/dedupe';
import { toggle } from '#shared/middleware/toggle';
import { UpstashToggleReader } from '#shared/toggle/toggle-reader';
import { type InvokeHandler, startInvokeResponder } from '#test/harness/invoke-responder';
import { waitChannelSettled } from '#test/harness/nsq-channel';
import { useServices, waitFor } from '#test/harness/services';
import { useLocalUpstash } from '#test/harness/upstash';
import { MemoryDeadLetters, waitChannelIdle } from '#test/integration/bridge/bridge-harness';

const services = useServices();
const upstash = useLocalUpstash();
let counter = 0;

async function bridgeWith(options: {
  handler: InvokeHandler;
  deadLetters?: DeadLetterStore;
  toggles?: ToggleReader;
  failMode?: 'open' | 'closed';
  maxAttempts?: number;
}) {
  const nsqd = await services.nsqd();
  const topic = `stores${++counter}`;
  await nsqd.http.createTopic(topic);
  await nsqd.http.createChannel(topic, 'bridge');
  const responder = await startInvokeResponder(options.handler);
  const config = parseBridgeConfig({
    nsqdTcpAddresses: [nsqd.tcpAddress],
    deadLetter: { kind: 's3', bucket: 'unused' },
    toggles: { pollIntervalMs: 200 },
    subscriptions: [
      {
        name: 'stores',
        functionName: 'stores-fn',
        topic,
        channel: 'bridge',
        maxWaitMs: 50,
        maxAttempts: options.maxAttempts ?? 5,
        requeue: { baseDelayMs: 200, maxDelayMs: 200, jitter: 'none' },
        toggle: { policy: 'requeue', failMode: options.failMode ?? 'open', requeueDelayMs: 100 },
      },
    ],
  });
  const events = new BridgeEventEmitter();
  const errors: Error[] = [];
  events.on('error', (e) => errors.push(e.error));
  const bridge = createBridge({
    config,
    invoker: createLambdaInvoker({
      region: 'us-east-1',
      endpoint: responder.endpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxSockets: 8,
      connectionTimeoutMs: 2_000,
    }),
    deadLetters: options.deadLetters ?? new MemoryDeadLetters(),
    events,
    ...(options.toggles && { toggles: options.toggles }),
  });
  bridge.start();
  return {
    nsqd,
    topic,
    bridge,
    events,
    errors,
    responder,
    async stop() {
      await bridge.drain(5_000);
      await responder.close();
    },
  };
}

describe('a wrong Upstash token', () => {
  it('bridge, fail open: every toggle read is unknown and consumption goes on', async () => {
    const { url, token } = await upstash.start();
    const wrong = `${token}-wrong`;
    const reader = new UpstashToggleReader({ redis: new Redis({ url, token: wrong, retry: false }) });
    const s = await bridgeWith({ handler: () => ({ body: null }), toggles: reader, failMode: 'open' });
    try {
      await s.nsqd.http.publishMany(s.topic, ['a', 'b']);
      const stats = await waitChannelIdle(s.nsqd, s.topic, 'bridge');
      expect(stats.requeue_count).toBe(0);
      expect(s.responder.calls.length).toBeGreaterThan(0);
      expect(await reader.read('stores-fn')).toBe('unknown');
    } finally {
      await s.stop();
    }
  });

  it('bridge, fail closed: consumption pauses (messages stay in nsqd) until the token is fixed', async () => {
    const { url, token } = await upstash.start();
    let current = new Redis({ url, token: `${token}-wrong`, retry: false });
    const failures: unknown[] = [];
    const reader = new UpstashToggleReader({
      redis: async () => current,
      cacheTtlMs: 0,
      onError: (error) => failures.push(error),
    });
    const s = await bridgeWith({ handler: () => ({ body: null }), toggles: reader, failMode: 'closed' });
    try {
      await s.nsqd.http.publishMany(s.topic, ['a', 'b', 'c']);
      // Several polls fail while the messages wait in the channel, untouched.
      await waitFor(() => failures.length >= 3, { what: 'three failed toggle reads' });
      // Untouched across more polls (every 200 ms), not just at one look.
      const polled = failures.length;
      const waiting = await waitChannelSettled(
        s.nsqd,
        s.topic,
        'bridge',
        (c) => c.depth === 3 && c.in_flight_count === 0 && s.responder.calls.length === 0,
        { what: 'the backlog untouched', quietMs: 600 },
      );
      expect(failures.length).toBeGreaterThan(polled);
      expect(waiting.depth).toBe(3);
      expect(waiting.in_flight_count).toBe(0);
      expect(s.responder.calls).toHaveLength(0);
      for (const f of failures) expect(String((f as Error)?.message ?? f)).not.toContain(token);
      current = new Redis({ url, token, retry: false });
      const stats = await waitChannelIdle(s.nsqd, s.topic, 'bridge');
      expect(stats.message_count).toBe(3);
      expect(s.responder.calls.length).toBeGreaterThan(0);
    } finally {
      await s.stop();
    }
  });

  it('function: toggle fails open and dedupe fails closed, requeueing with its delay', async () => {
    const { url, token } = await upstash.start();
    const redis = new Redis({ url, token: `${token}-wrong`, retry: false, enableTelemetry: false });
    let ran = 0;
    const handler = nsqHandler({
      body: 'text',
      handle: () => {
        ran++;
        return undefined;
      },
    })
      .use(toggle({ reader: new UpstashToggleReader({ redis }), failMode: 'open' }))
      .use(dedupe({ redis, failMode: 'closed', failClosedDelayMs: 2_500 }));
    const event = batchEvent(['one', 'two']);
    const result = await handler(event, lambdaContext());
    expect(ran).toBe(0);
    expect(result.batchItemFailures).toEqual(
      event.messages.map((m) => ({
        itemIdentifier: m.id,
        delayMs: 2_500,
        reason: 'dedupe store unreachable (fail closed)',
      })),
    );
  });
});

describe('a missing S3 bucket for the dead letters', () => {
  it('requeues instead of finishing, and dead-letters once the bucket exists', async () => {
    const minio = await services.minio();
    const s3Options = {
      region: minio.region,
      endpoint: minio.endpoint,
      credentials: { accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey },
    };
    const bucket = 'created-later';
    const store = createS3DeadLetterStore({ bucket, prefix: 'dl', s3: { ...s3Options, maxAttempts: 1 } });
    const s3 = new S3Client({ ...s3Options, forcePathStyle: true, maxAttempts: 1 });
    const s = await bridgeWith({
      // The function dead-letters everything it gets.
      handler: (call) => ({
        body: {
          batchItemFailures: (
            JSON.parse(call.payload.toString('utf8')) as { messages: { id: string }[] }
          ).messages.map((m) => ({ itemIdentifier: m.id, action: 'deadLetter', reason: 'poison' })),
        },
      }),
      deadLetters: store,
      maxAttempts: 10,
    });
    const failed: string[] = [];
    s.events.on('dead_letter_failed', (e) => failed.push(e.error.message));
    try {
      await s.nsqd.http.publish(s.topic, 'poison pill');
      await waitFor(() => failed.length >= 2, { what: 'two failed dead-letter writes' });
      expect(failed[0]).toMatch(/bucket "created-later" does not exist/);
      const stats = await s.nsqd.http.channelStats(s.topic, 'bridge');
      expect(stats?.requeue_count).toBeGreaterThanOrEqual(1);
      expect(s.responder.calls.length).toBeGreaterThanOrEqual(2);
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      await waitChannelIdle(s.nsqd, s.topic, 'bridge');
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'dl/stores/' }));
      expect(listed.KeyCount).toBe(1);
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: listed.Contents?.[0]?.Key }));
      const record = deadLetterRecordSchema.parse(
        JSON.parse(await (got.Body as { transformToString(): Promise<string> }).transformToString()),
      );
      expect(record).toMatchObject({ reasonKind: 'function', reason: 'poison' });
      expect(Buffer.from(record.body, 'base64').toString()).toBe('poison pill');
    } finally {
      await s.stop();
      await store.close();
      s3.destroy();
    }
  });
});
