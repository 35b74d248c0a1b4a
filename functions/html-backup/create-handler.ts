/** Builds the html-backup handler from its config and clients (tests pass their own). */
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { S3Client } from '@aws-sdk/client-s3';
import { type NsqMiddyHandler, nsqHandler } from '#shared/handler';
import { dedupe } from '#shared/middleware/dedupe';
import { observability } from '#shared/middleware/observability';
import { rateLimit } from '#shared/middleware/rate-limit';
import type { RedisSource } from '#shared/middleware/redis-source';
import { toggle } from '#shared/middleware/toggle';
import type { ToggleReaderLike } from '#shared/toggle/toggle-reader';
import { backupPage, type PageRequest, pageHost, pageRequestSchema } from './backup.ts';
import type { HtmlBackupConfig } from './config.ts';
import definition from './definition.ts';

export interface HtmlBackupDeps {
  readonly config: HtmlBackupConfig;
  readonly s3: S3Client;
  readonly redis: RedisSource;
  readonly toggleReader: ToggleReaderLike;
  readonly metrics?: Metrics;
  readonly fetch?: typeof fetch;
}

export function createHtmlBackupHandler(deps: HtmlBackupDeps): NsqMiddyHandler {
  const { config } = deps;
  const toggleSettings = definition.subscriptions[0]?.toggle;
  return nsqHandler({
    body: pageRequestSchema,
    concurrency: config.concurrency,
    deadlineMarginMs: 2_000,
    handle: (message, ctx) =>
      backupPage(message, ctx, {
        s3: deps.s3,
        bucket: config.bucket,
        keyPrefix: config.keyPrefix,
        rendererUrl: config.rendererUrl,
        rendererTimeoutMs: config.rendererTimeoutMs,
        ...(deps.fetch && { fetch: deps.fetch }),
      }),
  })
    .use(observability(deps.metrics ? { metrics: deps.metrics } : {}))
    .use(toggle({ reader: deps.toggleReader, functionName: definition.name, ...toggleSettings }))
    .use(
      rateLimit<PageRequest>({
        redis: deps.redis,
        prefix: 'nsq-lambda:ratelimit:html-backup',
        limiter: { kind: 'slidingWindow', tokens: config.hostRatePerSec, window: '1 s' },
        key: pageHost,
      }),
    )
    .use(
      dedupe<PageRequest>({
        redis: deps.redis,
        prefix: 'nsq-lambda:dedupe:html-backup:',
        key: (m) => new URL(m.body.url).href,
        ttlSec: config.dedupeTtlSec,
        inProgressTtlSec: definition.timeoutSec + 60,
      }),
    );
}
