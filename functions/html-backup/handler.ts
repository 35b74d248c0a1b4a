/**
 * html-backup's Lambda entry. Config comes from the environment (an invalid one fails the cold start
 * with every problem listed); clients are created once per execution environment; Upstash
 * credentials come from UPSTASH_REDIS_REST_URL/TOKEN locally or UPSTASH_SECRET_ARN in AWS, read on
 * first use.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { s3ClientForHandlers } from '#shared/clients/s3-client';
import { getUpstashRedis } from '#shared/clients/upstash';
import { createUpstashToggleReader } from '#shared/toggle/toggle-reader';
import { htmlBackupConfigFromEnv } from './config.ts';
import { createHtmlBackupHandler } from './create-handler.ts';

const config = htmlBackupConfigFromEnv(process.env);
const redis = () => getUpstashRedis();

export const handler = createHtmlBackupHandler({
  config,
  s3: s3ClientForHandlers({
    ...(config.s3Endpoint !== undefined && { endpoint: config.s3Endpoint }),
    connectionTimeoutMs: 2_000,
    // Pages are small; a PUT that has not progressed in 10 s is stuck, not slow.
    requestTimeoutMs: 10_000,
  }),
  redis,
  toggleReader: createUpstashToggleReader({ redis }),
  metrics: new Metrics({ namespace: 'nsq-lambda', serviceName: 'html-backup' }),
});
