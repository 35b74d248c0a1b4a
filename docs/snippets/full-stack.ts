import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { getUpstashRedis } from '#shared/clients/upstash';
import { finish, type NsqMessage, nsqHandler } from '#shared/handler';
import { dedupe } from '#shared/middleware/dedupe';
import { observability } from '#shared/middleware/observability';
import { rateLimit } from '#shared/middleware/rate-limit';
import { toggle } from '#shared/middleware/toggle';
import { createUpstashToggleReader } from '#shared/toggle/toggle-reader';

const webhook = z.object({ deliveryId: z.string(), target: z.url(), payload: z.unknown() }).strict();
type Webhook = z.output<typeof webhook>;

// Module scope: created once per execution environment, reused by every invocation.
const logger = new Logger({ serviceName: 'webhooks' });
const metrics = new Metrics({ namespace: 'nsq-lambda', serviceName: 'webhooks' });
const redis = () => getUpstashRedis(); // lazy: env URL/token locally, UPSTASH_SECRET_ARN in AWS

export const handler = nsqHandler({
  body: webhook,
  concurrency: 8,
  logger,
  handle: async (message, ctx) => {
    const response = await fetch(message.body.target, {
      method: 'POST',
      body: JSON.stringify(message.body.payload),
      signal: ctx.signal,
    });
    if (!response.ok) throw new Error(`target answered ${response.status}`);
    return finish();
  },
})
  // observability first (its `after` runs last; after another kit middleware, `use` throws), then the cheapest decisions.
  .use(observability({ metrics, logger }))
  .use(toggle({ reader: createUpstashToggleReader({ redis }), policy: 'requeue', requeueDelayMs: 30_000 }))
  .use(
    rateLimit<Webhook>({
      redis,
      limiter: { kind: 'slidingWindow', tokens: 20, window: '1 s' },
      key: (m: NsqMessage<Webhook>) => new URL(m.body.target).host, // per target host
    }),
  )
  .use(dedupe<Webhook>({ redis, key: (m) => m.body.deliveryId, ttlSec: 24 * 3600 }));
