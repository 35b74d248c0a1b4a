/**
 * CPU-heavy example: per message, generate a large payload from a seed, hash and gzip it.
 * One message per Invoke (see definition.ts): the bridge's concurrent Invokes are the worker pool.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { z } from 'zod';
import { finish, nsqHandler } from '#shared/handler';
import { observability } from '#shared/middleware/observability';
import { generatePayload, hashAndCompress } from './work.ts';

export const MAX_SIZE_BYTES = 256 * 1024 * 1024;

export const cpuJobSchema = z
  .object({
    /** Any text; the same seed always gives the same payload and digest. */
    seed: z.string().min(1).max(256),
    /** Payload size, 1 byte to 256 MiB. */
    sizeBytes: z.number().int().min(1).max(MAX_SIZE_BYTES),
  })
  .strict();

const metrics = new Metrics({ namespace: 'nsq-lambda', serviceName: 'cpu-heavy' });

export const handler = nsqHandler({
  body: cpuJobSchema,
  handle: async (message, ctx) => {
    const startedAt = performance.now();
    const payload = await generatePayload(message.body.seed, message.body.sizeBytes, ctx.signal);
    const result = await hashAndCompress(payload, ctx.signal);
    const durationMs = performance.now() - startedAt;
    metrics.addMetric('WorkDurationMs', MetricUnit.Milliseconds, durationMs);
    metrics.addMetric('WorkBytes', MetricUnit.Bytes, result.inputBytes);
    ctx.log.info('payload processed', { ...result, durationMs: Math.round(durationMs) });
    return finish();
  },
}).use(observability({ metrics }));
