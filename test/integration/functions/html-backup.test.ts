/**
 * html-backup end to end on the handler side: a real local HTTP renderer, MinIO for S3, and redis
 * through the local Upstash endpoint for toggle, rate limit and dedupe.
 */
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { backupKey } from '#functions/html-backup/backup';
import { htmlBackupConfigFromEnv } from '#functions/html-backup/config';
import { createHtmlBackupHandler } from '#functions/html-backup/create-handler';
import { startLocalRenderer } from '#functions/html-backup/local-renderer';
import { awsClientConfig } from '#shared/clients/aws-client-config';
import { batchEvent, lambdaContext } from '#shared/handler';
import { toggleKey } from '#shared/toggle/keys';
import { createUpstashToggleReader } from '#shared/toggle/toggle-reader';
import { useServices } from '#test/harness/services';
import { useLocalUpstash } from '#test/harness/upstash';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';

const services = useServices();
const upstash = useLocalUpstash();
const [minio, fixture] = await Promise.all([services.minio(), upstash.start()]);
const redis = fixture.client();

const s3 = new S3Client({
  ...awsClientConfig({ endpoint: minio.endpoint, region: minio.region }),
  forcePathStyle: true,
  credentials: { accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey },
});
await s3.send(new CreateBucketCommand({ Bucket: 'data' }));

const renderer = await startLocalRenderer();
const renderRequests = renderer.requests;
const rendererUrl = renderer.url;
afterAll(async () => {
  await renderer.close();
  s3.destroy();
});

let prefixCounter = 0;
function makeHandler(overrides: { bucket?: string; hostRatePerSec?: number } = {}) {
  const config = htmlBackupConfigFromEnv({
    RENDERER_URL: rendererUrl,
    DATA_BUCKET: overrides.bucket ?? 'data',
    HTML_BACKUP_KEY_PREFIX: `run-${++prefixCounter}/`,
    HTML_BACKUP_HOST_RATE_PER_SEC: String(overrides.hostRatePerSec ?? 100),
  });
  return {
    config,
    handler: createHtmlBackupHandler({
      config,
      s3,
      redis,
      toggleReader: createUpstashToggleReader({ redis, cacheTtlMs: 0 }),
    }),
  };
}

beforeEach(async () => {
  renderRequests.length = 0;
  await redis.del(toggleKey('html-backup'));
});

describe('html-backup', () => {
  it('fetches the page from the renderer and stores the HTML in S3', async () => {
    // Prepare
    const { handler, config } = makeHandler();
    const url = 'https://news.example/story/1?ref=a';
    const event = batchEvent([{ url }], { subscription: 'html-backup' });

    // Act
    const result = await handler(event, lambdaContext());

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    const object = await s3.send(
      new GetObjectCommand({ Bucket: 'data', Key: backupKey(config.keyPrefix, url) }),
    );
    expect(await object.Body?.transformToString()).toContain('<h1>https://news.example/story/1?ref=a</h1>');
    expect(object.ContentType).toBe('text/html; charset=utf-8');
    expect(object.Metadata?.['source-url']).toBe(url);
  });

  it('dead-letters a 404 and an invalid body, requeues a 503 after Retry-After and a 500 with backoff', async () => {
    // Prepare
    const { handler } = makeHandler();
    const event = batchEvent(
      [
        { url: 'https://a.example/missing' },
        { url: 'https://a.example/busy' },
        { url: 'https://a.example/broken' },
        { url: 'ftp://a.example/file' },
      ],
      { subscription: 'html-backup' },
    );
    const [missing, busy, broken, invalid] = event.messages.map((m) => m.id);

    // Act
    const result = await handler(event, lambdaContext());

    // Assess
    expect(result.batchItemFailures).toEqual([
      {
        itemIdentifier: missing,
        action: 'deadLetter',
        reason: 'renderer answered 404 for https://a.example/missing',
      },
      { itemIdentifier: busy, delayMs: 7_000, reason: 'renderer answered 503' },
      { itemIdentifier: broken, reason: expect.stringMatching(/renderer answered 500/) },
      {
        itemIdentifier: invalid,
        action: 'deadLetter',
        reason: expect.stringMatching(/^body failed validation: url/),
      },
    ]);
    expect(renderRequests).not.toContain('ftp://a.example/file');
  });

  it('requeues when S3 fails (no SDK retries), and the retry stores it', async () => {
    // Prepare
    const missingBucket = makeHandler({ bucket: 'no-such-bucket' });
    const url = 'https://b.example/retry-me';

    // Act
    const failed = await missingBucket.handler(
      batchEvent([{ url }], { subscription: 'html-backup' }),
      lambdaContext(),
    );
    const { handler, config } = makeHandler();
    const retried = await handler(batchEvent([{ url }], { subscription: 'html-backup' }), lambdaContext());

    // Assess
    expect(failed.batchItemFailures).toEqual([
      expect.objectContaining({ reason: expect.stringMatching(/NoSuchBucket|does not exist/) }),
    ]);
    expect(retried.batchItemFailures).toEqual([]);
    await s3.send(new HeadObjectCommand({ Bucket: 'data', Key: backupKey(config.keyPrefix, url) }));
  });

  it('skips a URL backed up within the dedupe TTL', async () => {
    // Prepare
    const { handler } = makeHandler();
    const url = 'https://c.example/once';

    // Act
    await handler(batchEvent([{ url }], { subscription: 'html-backup' }), lambdaContext());
    const second = await handler(
      batchEvent([{ url }, { url: 'https://c.example/other' }], { subscription: 'html-backup' }),
      lambdaContext(),
    );

    // Assess
    expect(second.batchItemFailures).toEqual([]);
    expect(renderRequests).toEqual([url, 'https://c.example/other']);
  });

  it('rate-limits per host: the excess is requeued with a delay, other hosts go through', async () => {
    // Prepare
    const { handler } = makeHandler({ hostRatePerSec: 2 });
    const event = batchEvent(
      [
        { url: 'https://slow-host.example/1' },
        { url: 'https://slow-host.example/2' },
        { url: 'https://slow-host.example/3' },
        { url: 'https://other-host.example/1' },
      ],
      { subscription: 'html-backup' },
    );

    // Act
    const result = await handler(event, lambdaContext());

    // Assess
    expect(renderRequests.filter((u) => u.includes('slow-host'))).toHaveLength(2);
    expect(renderRequests).toContain('https://other-host.example/1');
    expect(result.batchItemFailures).toEqual([
      { itemIdentifier: event.messages[2]?.id, delayMs: expect.any(Number), reason: 'rate limited' },
    ]);
  });

  it('does not call the renderer while the toggle is stopped, and requeues with the configured delay', async () => {
    // Prepare
    const { handler } = makeHandler();
    await redis.set(toggleKey('html-backup'), 'stopped');
    const event = batchEvent([{ url: 'https://d.example/x' }], { subscription: 'html-backup' });

    // Act
    const result = await handler(event, lambdaContext());

    // Assess
    expect(renderRequests).toEqual([]);
    expect(result.batchItemFailures).toEqual([
      { itemIdentifier: event.messages[0]?.id, delayMs: 60_000, reason: 'toggle stopped' },
    ]);
  });

  it('lists every configuration problem at start', () => {
    expect(() =>
      htmlBackupConfigFromEnv({ RENDERER_URL: 'not a url', HTML_BACKUP_CONCURRENCY: '0' }),
    ).toThrow(/RENDERER_URL[\s\S]*DATA_BUCKET[\s\S]*concurrency/);
  });
});
